"""Evaluation: question sets, eval records and metrics computed from the records."""
