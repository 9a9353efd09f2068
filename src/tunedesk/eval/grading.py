"""`tunedesk judge FILE.jsonl`: the configured judge on any replies file, and — when the rows carry a person's
grade — how far the judge agrees with the person: raw agreement, Cohen's kappa and the confusion matrix.

A row: `messages` (the conversation, with or without a system prompt), `reference`, `reply`, `category`, `kind`,
and optionally `id`, `grade` (3/2/1) and `reason`. Rows that cannot be read are set aside with their reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunedesk.eval.human import LABELS, cohen_kappa, confusion_matrix
from tunedesk.eval.judges.base import Item, Judge
from tunedesk.records import Rejected
from tunedesk.trainfile.reading import read_rows


@dataclass
class Graded:
    """The judge's scores of a replies file, and its agreement with the people's grades the rows carry."""

    path: str
    n: int
    scores: dict[str, int]
    """id → the judge's score."""
    reasons: dict[str, list[str]]
    human: dict[str, int] = field(default_factory=dict)
    set_aside: list[Rejected] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """(judge, person) for every row a person graded."""
        return [(self.scores[i], grade) for i, grade in self.human.items() if i in self.scores]

    def as_dict(self) -> dict[str, Any]:
        """The JSON `judge --json` prints."""
        pairs = self.pairs
        confusion = confusion_matrix(pairs) if pairs else None
        agreement = round(sum(j == h for j, h in pairs) / len(pairs), 4) if pairs else None
        kappa = cohen_kappa(confusion) if confusion else None
        return {"path": self.path, "n": self.n, "graded": len(pairs), "agreement": agreement,
                "kappa": None if kappa is None else round(kappa, 4), "confusion": confusion,
                "judge_scores": dict(sorted(Counter(self.scores.values()).items())),
                "disagreements": [{"id": i, "judge": self.scores[i], "person": h, "reasons": self.reasons[i]}
                                  for i, h in self.human.items() if i in self.scores and self.scores[i] != h],
                "set_aside": [{"locator": r.locator, "reason": r.reason, "field": r.field} for r in self.set_aside]}


def grade_file(path: Path, judge: Judge) -> Graded:
    """Score every readable row of `path` with `judge`."""
    read = read_rows(path)
    items, replies, human, set_aside = [], [], {}, []
    for issue in read.issues:
        set_aside.append(Rejected(source_file=str(path), locator=f"line {issue.line or 0}", reason=issue.message))
    for row in read.rows:
        problem = _problem(row.data)
        if problem:
            set_aside.append(Rejected(source_file=str(path), locator=f"line {row.line}", reason=problem[1],
                                      field=problem[0]))
            continue
        row_id = str(row.data.get("id") or f"line {row.line}")
        items.append(_item(row_id, row.data))
        replies.append(str(row.data["reply"]))
        if row.data.get("grade") is not None:
            human[row_id] = int(row.data["grade"])
    verdicts = judge.judge(items, replies) if items else []
    return Graded(str(path), len(items), {i.id: v.score for i, v in zip(items, verdicts, strict=True)},
                  {i.id: v.reasons for i, v in zip(items, verdicts, strict=True)}, human, set_aside)


def _problem(data: dict[str, Any]) -> tuple[str, str] | None:
    messages = data.get("messages")
    if not isinstance(messages, list) or not any(isinstance(m, dict) and m.get("role") == "user" for m in messages):
        return "messages", "no conversation with a customer (user) message"
    for key in ("reference", "reply"):
        if not isinstance(data.get(key), str):
            return key, f"'{key}' must be text"
    grade = data.get("grade")
    if grade is not None and grade not in LABELS:
        return "grade", f"grade {grade!r} is not 3, 2 or 1"
    return None


def _item(row_id: str, data: dict[str, Any]) -> Item:
    messages = [{"role": str(m.get("role") or ""), "content": str(m.get("content") or "")}
                for m in data["messages"] if isinstance(m, dict) and m.get("role") in ("system", "user", "assistant")]
    return Item(id=row_id, category=str(data.get("category") or ""), kind=str(data.get("kind") or "answer"),
                messages=messages, reference=str(data["reference"]))
