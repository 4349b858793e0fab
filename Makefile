# Two commands: `make run` and `make test`. Each installs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export PYTHONDONTWRITEBYTECODE := 1
DATA_DIR ?= $(or $(INSPECTION_QA_DATA_DIR),.data)
# The bars the dev sets reach today, a little under (make eval fails if a change drops below them).
# questions/dev.jsonl: the two documents of corpus/; questions/library/: 42 documents about 13 bodies,
# its tuning split fits the ranker (scripts/fit_ranker.py), its held-out split takes no part in fitting.
EVAL_BARS ?= hit@5=0.80,cited=0.70,validity=1.0,abstention=0.60,false_abstention=0.05
LIBRARY_TUNE_BARS ?= hit@5=0.85,cited=0.75,validity=1.0,abstention=0.65,false_abstention=0.05
LIBRARY_HOLDOUT_BARS ?= hit@5=0.80,cited=0.60,validity=1.0,abstention=0.45,false_abstention=0.05

.PHONY: install run test eval fit bench clean

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
	$(BIN)/inspection-qa --data-dir $(DATA_DIR)-library ingest --quiet questions/library/documents/
	$(BIN)/inspection-qa --data-dir $(DATA_DIR)-library eval questions/library/tune.jsonl \
		--output results/library-tune-results.jsonl --report results/library-tune-report.html \
		--fail-under $(LIBRARY_TUNE_BARS)
	$(BIN)/inspection-qa --data-dir $(DATA_DIR)-library eval questions/library/holdout.jsonl \
		--output results/library-holdout-results.jsonl --report results/library-holdout-report.html \
		--fail-under $(LIBRARY_HOLDOUT_BARS)

# Refit the sentence ranker and the abstention thresholds (answering/ranker.json) on the dev sets.
fit: install
	$(BIN)/python scripts/fit_ranker.py --data-dir $(DATA_DIR)-fit \
		--tune questions/library/documents questions/library/tune.jsonl --tune corpus questions/dev.jsonl \
		--check questions/library/documents questions/library/holdout.jsonl

# Benchmarks on this machine's CPU (bench/results.json, bench/results.md); BENCH_ARGS=--quick for a ~3 minute run.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .data results
