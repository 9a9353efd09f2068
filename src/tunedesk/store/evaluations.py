"""Where an evaluation lives and how it is read back: reports/eval/<version>/ holds summary.json (the metrics,
calibration and the held-out hash) and replies.jsonl (one judged reply per line). The gate, the report, human
review, retraining and the server all read evaluations through here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def eval_dir(workspace_root: Path, version: str) -> Path:
    """reports/eval/<version> of a workspace (it may not exist yet)."""
    return Path(workspace_root) / "reports" / "eval" / version


def read_summary(workspace_root: Path, version: str) -> dict[str, Any] | None:
    """The version's last eval summary, or None when it was never evaluated."""
    path = eval_dir(workspace_root, version) / "summary.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


def read_replies(folder: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows of an evaluation's replies.jsonl that have an id, and the line numbers of those that cannot be
    read (a missing file reads as no rows)."""
    path = Path(folder) / "replies.jsonl"
    if not path.is_file():
        return [], []
    rows: list[dict[str, Any]] = []
    skipped: list[int] = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if isinstance(row, dict) and str(row.get("id") or ""):
            rows.append(row)
        else:
            skipped.append(number)
    return rows, skipped
