# Two commands: `make run` and `make test`. Each installs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export PYTHONDONTWRITEBYTECODE := 1
DATA_DIR ?= $(or $(INSPECTION_QA_DATA_DIR),.data)
# make run PORT=8502 when 8501 is taken
PORT ?= 8501
# The bars the dev sets reach today, a little under (make eval fails if a change drops below them).
# questions/dev.jsonl: the two documents of corpus/. questions/library*/: three dev libraries written
# independently of the answer engine (42 short documents about 13 bodies; 16 long reports, letters,
# minutes and news about 5; 18 news-heavy documents about 7; library-d: 20 documents of three inspection
# eras about 9 bodies, written later and read by the engine's author only after a first measurement);
# each tuning split fits the ranker (scripts/fit_ranker.py), each held-out split takes no part in fitting.
# Library D's bars are lower, false declines included: it is the one measured before any rule was fitted to it.
# library-f: 18 documents about 7 bodies, written by a separate session from a brief (held-out cited 0.515 with
# the engine of its day, before the engine's author read it); library-g: 24 documents about eleven councils of one
# region, half of them news (held-out cited 0.528 at first measurement). Their bars are today's, a little under:
# G's false declines (0.107) are over the 0.05 of the issue's bar, and gated where they stand. library-h: 30
# documents about fourteen councils, 2009-2025 (held-out cited 0.622 at first measurement).
EVAL_BARS ?= hit@5=0.85,cited=0.80,validity=1.0,abstention=0.70,false_abstention=0.05
LIBRARY_TUNE_BARS ?= hit@5=0.88,cited=0.80,validity=1.0,abstention=0.75,false_abstention=0.05
LIBRARY_HOLDOUT_BARS ?= hit@5=0.80,cited=0.68,validity=1.0,abstention=0.55,false_abstention=0.05
LIBRARY_B_TUNE_BARS ?= hit@5=0.78,cited=0.70,validity=1.0,abstention=0.55,false_abstention=0.05
LIBRARY_B_HOLDOUT_BARS ?= hit@5=0.78,cited=0.70,validity=1.0,abstention=0.30,false_abstention=0.05
LIBRARY_C_TUNE_BARS ?= hit@5=0.75,cited=0.65,validity=1.0,abstention=0.65,false_abstention=0.05
LIBRARY_C_HOLDOUT_BARS ?= hit@5=0.75,cited=0.65,validity=1.0,abstention=0.45,false_abstention=0.05
LIBRARY_D_TUNE_BARS ?= hit@5=0.85,cited=0.70,validity=1.0,abstention=0.90,false_abstention=0.10
LIBRARY_D_HOLDOUT_BARS ?= hit@5=0.70,cited=0.55,validity=1.0,abstention=0.45,false_abstention=0.10
LIBRARY_F_TUNE_BARS ?= hit@5=0.75,cited=0.55,validity=1.0,abstention=0.60,false_abstention=0.10
LIBRARY_F_HOLDOUT_BARS ?= hit@5=0.65,cited=0.55,validity=1.0,abstention=0.55,false_abstention=0.05
LIBRARY_G_TUNE_BARS ?= hit@5=0.65,cited=0.50,validity=1.0,abstention=0.60,false_abstention=0.10
LIBRARY_G_HOLDOUT_BARS ?= hit@5=0.60,cited=0.55,validity=1.0,abstention=0.40,false_abstention=0.15
LIBRARY_H_TUNE_BARS ?= hit@5=0.75,cited=0.50,validity=1.0,abstention=0.90,false_abstention=0.05
LIBRARY_H_HOLDOUT_BARS ?= hit@5=0.70,cited=0.60,validity=1.0,abstention=0.60,false_abstention=0.10
LIBRARIES := library library-b library-c library-d library-f library-g library-h

# $(call library_eval,NAME,SPLIT,BARS): one dev library's split, with its report and its gate
define library_eval
	$(BIN)/inspection-qa --data-dir $(DATA_DIR)-$(1) eval questions/$(1)/$(2).jsonl \
		--output results/$(1)-$(2)-results.jsonl --report results/$(1)-$(2)-report.html --fail-under $(3)

endef

.PHONY: install run test eval fit fit-checker bench clean

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
	INSPECTION_QA_DATA_DIR=$(DATA_DIR) $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: install
	$(BIN)/python -m pytest

eval: install
	$(BIN)/inspection-qa --data-dir $(DATA_DIR) ingest --quiet corpus/
	$(BIN)/inspection-qa --data-dir $(DATA_DIR) eval questions/dev.jsonl --output results/dev-results.jsonl \
		--report results/dev-report.html --fail-under $(EVAL_BARS)
	for lib in $(LIBRARIES); do \
		$(BIN)/inspection-qa --data-dir $(DATA_DIR)-$$lib ingest --quiet questions/$$lib/documents/ || exit 1; done
	$(call library_eval,library,tune,$(LIBRARY_TUNE_BARS))
	$(call library_eval,library,holdout,$(LIBRARY_HOLDOUT_BARS))
	$(call library_eval,library-b,tune,$(LIBRARY_B_TUNE_BARS))
	$(call library_eval,library-b,holdout,$(LIBRARY_B_HOLDOUT_BARS))
	$(call library_eval,library-c,tune,$(LIBRARY_C_TUNE_BARS))
	$(call library_eval,library-c,holdout,$(LIBRARY_C_HOLDOUT_BARS))
	$(call library_eval,library-d,tune,$(LIBRARY_D_TUNE_BARS))
	$(call library_eval,library-d,holdout,$(LIBRARY_D_HOLDOUT_BARS))
	$(call library_eval,library-f,tune,$(LIBRARY_F_TUNE_BARS))
	$(call library_eval,library-f,holdout,$(LIBRARY_F_HOLDOUT_BARS))
	$(call library_eval,library-g,tune,$(LIBRARY_G_TUNE_BARS))
	$(call library_eval,library-g,holdout,$(LIBRARY_G_HOLDOUT_BARS))
	$(call library_eval,library-h,tune,$(LIBRARY_H_TUNE_BARS))
	$(call library_eval,library-h,holdout,$(LIBRARY_H_HOLDOUT_BARS))

# Refit the sentence ranker and the abstention thresholds (answering/ranker.json) on the dev sets' tuning
# splits; the held-out splits and the shared example set are checked, never fitted on.
fit: install
	$(BIN)/python scripts/fit_ranker.py --data-dir $(DATA_DIR)-fit \
		$(foreach lib,$(LIBRARIES),--tune questions/$(lib)/documents questions/$(lib)/tune.jsonl) \
		--tune corpus questions/dev.jsonl \
		$(foreach lib,$(LIBRARIES),--check questions/$(lib)/documents questions/$(lib)/holdout.jsonl)

# Refit the written answer's sentence checker (generation/checker.json) on its calibration set of supported and
# unsupported sentences (tests/fixtures/generation/calibration.jsonl), with the default embedding backend.
fit-checker: install
	$(BIN)/python scripts/fit_checker.py

# Benchmarks on this machine's CPU (bench/results.json, bench/results.md); BENCH_ARGS=--quick for a ~3 minute run.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .data results
