"""Cyclic garbage collection tuned for the batch stages.

CPython's collector runs a young-generation pass every 700 container allocations and, every so often, an
old-generation pass that walks every live container. Ingest and clean allocate millions of short-lived records while
their indexes (the deduplicator's buckets, the upsert maps) keep growing. Measured on 100,000 generated tickets
(`python bench/clean_throughput.py` against `--gc default`, one after the other on an idle machine): clean 1,589
against 1,409 tickets/s; before the deduplicator stopped keeping a frozenset per kept ticket, the collector's passes
cost about half of clean's time. The stages free almost everything by reference counting; they build no cycles that
hold files, locks or much memory.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLD = 100_000
"""Young-generation allocations between collections during a batch stage (CPython's default is 700)."""


@contextmanager
def fewer_collections(threshold: int = BATCH_THRESHOLD) -> Iterator[None]:
    """Collect cyclic garbage less often while the block runs; the previous setting comes back afterwards.

    Objects alive when the block starts (imported modules, configuration) are frozen out of the old-generation
    passes for its duration, so those passes walk only what the stage itself made; an outer block's freeze is left
    to that block.
    """
    before = gc.get_threshold()
    owns_freeze = gc.get_freeze_count() == 0
    if owns_freeze:
        gc.freeze()
    gc.set_threshold(threshold, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if owns_freeze:
            gc.unfreeze()
