"""Ingestion: files -> clean text with provenance -> chunks -> the index."""
