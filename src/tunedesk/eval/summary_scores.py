"""How a thread summary is scored against its reference points, and the figures of one column of summaries.

Coverage of a reference point is its content-word recall: the share of the point's content words (stemmed; stop
words, framing words and numbers left out, as the faithfulness check counts them) that occur in the summary. A
point is covered when that share is at least COVERED. Only the points a thread has are scored (the example's
threads end answered, so "open" is rarely scored).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tunedesk.answer.faithfulness import content_words
from tunedesk.eval.compare import wilson

COVERED = 0.5
"""A reference point is covered when at least this share of its content words are in the summary."""


def point_recall(point: str, summary: str) -> float | None:
    """The share of the point's content words found in the summary (None for a point without content words)."""
    wanted = set(content_words(point))
    if not wanted:
        return None
    return len(wanted & set(content_words(summary))) / len(wanted)


def coverage(points: dict[str, str], summary: str) -> dict[str, float]:
    """Per reference point (those with content words): its recall in the summary."""
    found = {name: point_recall(text, summary) for name, text in points.items() if text}
    return {name: round(recall, 4) for name, recall in found.items() if recall is not None}


def mean_interval(values: Sequence[float], seed: int = 0, samples: int = 2000) -> dict[str, Any]:
    """The mean with its 95 % percentile-bootstrap interval (resampling threads)."""
    if not values:
        return {"mean": None, "ci95": None}
    import numpy as np

    data = np.asarray(values, dtype=np.float64)
    draws = data[np.random.default_rng(seed).integers(0, len(data), size=(samples, len(data)))].mean(axis=1)
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"mean": round(float(data.mean()), 4), "ci95": [round(float(low), 4), round(float(high), 4)]}


def share_interval(part: int, whole: int) -> dict[str, Any]:
    """A share with its 95 % Wilson interval."""
    return {"share": round(part / whole, 4) if whole else None, "ci95": wilson(part, whole), "n": whole}


def column_figures(rows: list[dict[str, Any]], column: str, seed: int = 0) -> dict[str, Any]:
    """The figures of one column (model, model_raw or extractive) over the threads' rows."""
    cells = [row[column] for row in rows]
    recalls = [sum(c["coverage"].values()) / len(c["coverage"]) for c in cells if c["coverage"]]
    points = [r for c in cells for r in c["coverage"].values()]
    sentences = [ok for c in cells for ok in c["supported"]]
    figures = {
        "threads": len(cells),
        "coverage": mean_interval(recalls, seed),
        "points_covered": share_interval(sum(r >= COVERED for r in points), len(points)),
        "unsupported_sentences": share_interval(sum(not ok for ok in sentences), len(sentences)),
        "words": mean_interval([c["words"] for c in cells], seed),
        "by_point": {name: mean_interval([c["coverage"][name] for c in cells if name in c["coverage"]], seed)
                     for name in ("want", "tried", "promised", "open")},
    }
    if column == "model":
        figures["fallback"] = share_interval(sum(bool(c.get("fallback")) for c in cells), len(cells))
    return figures
