"""Pausing Python's cyclic garbage collector while a bulk job builds many long-lived objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Run the block without cyclic collections, then restore the collector as it was.

    Why: a bulk import reads every file before it stores any, so hundreds of thousands of
    objects (turns, lines, rows) live until the end. Each full collection walks all of them to
    find nothing, since none is in a cycle (reference counting frees them); importing a
    thousand transcripts spent a fifth of its time there. Objects that do form cycles are
    collected by the next collection after the block.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
