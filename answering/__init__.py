"""Answers with no language model: chosen sentences, quoted verbatim and cited."""
