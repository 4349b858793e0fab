"""Benchmarks for inspection-qa: `python -m bench.run` (see bench/run.py), synthetic corpora (bench/corpus.py)."""
