"""Retrieval: the embedder, the stores (document store, Chroma, BM25) and hybrid search."""
