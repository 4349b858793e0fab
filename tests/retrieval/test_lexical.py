"""The BM25 index (retrieval.lexical)."""


def test_bm25s_debug_logging_stays_off_however_it_is_imported(tmp_path):
    """bm25s sets its logger to DEBUG when imported: `status` once printed its "DEBUG bm25s" line."""
    import logging

    from retrieval.lexical import BM25Index

    logging.getLogger("bm25s").setLevel(logging.DEBUG)  # as its import leaves it
    BM25Index(tmp_path / "bm25").load()
    assert logging.getLogger("bm25s").level == logging.WARNING
