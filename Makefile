# Two commands: `make run` and `make test`. Each installs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export PYTHONDONTWRITEBYTECODE := 1
DATA_DIR ?= $(or $(INSPECTION_QA_DATA_DIR),.data)
# The bars the dev set reaches today (make eval fails if a change drops below them).
EVAL_BARS ?= hit@5=0.80,cited=0.75,validity=1.0,abstention=0.70,false_abstention=0.05

.PHONY: install run test eval bench clean

install: $(BIN)/inspection-qa

$(BIN)/inspection-qa: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

run: install
	@if [ "$$($(BIN)/inspection-qa --data-dir $(DATA_DIR) status --json | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["documents"])')" = "0" ]; then \
		$(BIN)/inspection-qa --data-dir $(DATA_DIR) ingest corpus/; fi
	INSPECTION_QA_DATA_DIR=$(DATA_DIR) $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false

test: install
	$(BIN)/python -m pytest

eval: install
	$(BIN)/inspection-qa --data-dir $(DATA_DIR) ingest --quiet corpus/
	$(BIN)/inspection-qa --data-dir $(DATA_DIR) eval questions/dev.jsonl --output results/dev-results.jsonl \
		--report results/dev-report.html --fail-under $(EVAL_BARS)

# Benchmarks on this machine's CPU (bench/results.json, bench/results.md); BENCH_ARGS=--quick for a ~3 minute run.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .data results
