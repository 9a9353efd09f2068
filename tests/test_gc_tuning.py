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
        assert gc.get_freeze_count() == frozen > 0
