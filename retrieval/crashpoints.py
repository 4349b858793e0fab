"""Named points inside an index write where the stores can disagree (after the document store, after
the vector store, ...). The crash-safety tests stop a process at each to prove the index recovers.

`reached(name)` does nothing unless a test has set `hook` to a callable taking the point's name;
product code never sets it.
"""

from __future__ import annotations

from typing import Callable

hook: Callable[[str], None] | None = None


def reached(name: str) -> None:
    """Called by the index as a write passes point `name`; a no-op unless `hook` is set."""
    if hook is not None:
        hook(name)
