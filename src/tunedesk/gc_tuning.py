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
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLD = 100_000
"""Young-generation allocations between collections during a batch stage (CPython's default is 700)."""


class _Blocks:
    """The blocks running now, in every thread: the collector's settings are process-wide, so the first block to
    start changes them and the last to end gives them back (a block ending in one thread must not unfreeze what a
    block in another thread still relies on)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.threshold: tuple[int, ...] = gc.get_threshold()
        self.froze = False

    def enter(self, threshold: int) -> None:
        with self.lock:
            if self.active == 0:
                self.threshold = gc.get_threshold()
                self.froze = gc.get_freeze_count() == 0  # someone else's freeze is theirs to undo
                if self.froze:
                    gc.freeze()
                gc.set_threshold(threshold, *self.threshold[1:])
            self.active += 1

    def leave(self) -> None:
        with self.lock:
            self.active -= 1
            if self.active == 0:
                gc.set_threshold(*self.threshold)
                if self.froze:
                    gc.unfreeze()
                self.froze = False


_BLOCKS = _Blocks()


@contextmanager
def fewer_collections(threshold: int = BATCH_THRESHOLD) -> Iterator[None]:
    """Collect cyclic garbage less often while the block runs; the previous setting comes back afterwards.

    Objects alive when the first block starts (imported modules, configuration) are frozen out of the
    old-generation passes until the last block ends, so those passes walk only what the stages made; blocks nest
    and run in several threads at once (the server's background jobs), and a freeze made outside any block is left
    to whoever made it.
    """
    _BLOCKS.enter(threshold)
    try:
        yield
    finally:
        _BLOCKS.leave()
