"""The batch stages collect cyclic garbage less often, and give the interpreter its settings back."""

from __future__ import annotations

import gc

import pytest

from tunedesk.gc_tuning import BATCH_THRESHOLD, fewer_collections


def test_thresholds_and_frozen_objects_come_back_even_after_an_error() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold()[0] == BATCH_THRESHOLD
        assert gc.get_freeze_count() > frozen
        raise RuntimeError("a stage failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_cycles_made_inside_are_still_collected() -> None:
    class Node:
        other: Node | None = None

    with fewer_collections(threshold=1000):
        for _ in range(5000):
            a, b = Node(), Node()
            a.other, b.other = b, a
        alive = sum(isinstance(o, Node) for o in gc.get_objects())
    assert alive < 5000 * 2


def test_an_inner_block_leaves_the_outer_freeze_alone() -> None:
    with fewer_collections():
        frozen = gc.get_freeze_count()
        with fewer_collections():
            pass
        # Frozen objects can still be freed by reference counting (another test's thread ending), so the count may
        # fall a little; an unfreeze would empty it.
        assert frozen > 0 and gc.get_freeze_count() > frozen // 2


def test_a_block_ending_in_another_thread_leaves_this_blocks_freeze_alone() -> None:
    """The collector's settings are process-wide: a block that started earlier in another thread and ends while
    this one runs must not unfreeze or reset what this block relies on."""
    import threading

    started, release = threading.Event(), threading.Event()

    def other_stage() -> None:
        with fewer_collections():
            started.set()
            release.wait(5)

    other = threading.Thread(target=other_stage)
    other.start()
    assert started.wait(5)
    with fewer_collections():
        frozen = gc.get_freeze_count()
        release.set()
        other.join(5)
        assert frozen > 0 and gc.get_freeze_count() > frozen // 2  # not unfrozen (frozen objects may be freed)
        assert gc.get_threshold()[0] == BATCH_THRESHOLD
    assert gc.get_freeze_count() == 0
