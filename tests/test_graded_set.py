"""bench/graded_set.py: how a blind set picks its tickets."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]


def _graded_set():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("graded_set", REPO / "bench" / "graded_set.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["graded_set"] = module
    spec.loader.exec_module(module)
    return module


def test_a_stratified_blind_set_takes_each_kind_in_the_splits_share_in_order() -> None:
    in_proportion = _graded_set().in_proportion
    # the split is 87 % answers, 13 % escalations; its first ungraded tickets are half escalations
    split = Counter({"answer": 157, "escalation": 24})
    items = [SimpleNamespace(id=i, kind="escalation" if i % 2 else "answer") for i in range(100)]
    taken = in_proportion(items, split, 30)
    assert Counter(i.kind for i in taken) == {"answer": 26, "escalation": 4}
    assert [i.id for i in taken] == sorted(i.id for i in taken)  # in the split's order
    assert [i.id for i in taken if i.kind == "escalation"] == [1, 3, 5, 7]
    # too few of a kind: what there is, never another kind in its place
    assert Counter(i.kind for i in in_proportion(items[:4], split, 30)) == {"answer": 2, "escalation": 2}
