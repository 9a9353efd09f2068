"""`tunedesk retrain`: the learning loop's one command — (drift check) → build → feedback export → training file =
build rows + feedback rows → train → eval on the held-out set → the promotion gate → reports/retrain.json.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from tunedesk.learn.feedback import FeedbackExport, export_feedback, is_feedback_row
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.trainfile.reading import read_rows
from tunedesk.workspace import Workspace

SCORES = ("score_3", "score_1", "escalation_recall")


@dataclass
class RetrainSummary:
    """What a retrain did: whether it ran, what feedback it added, the new run, its scores and the gate's word."""

    ran: bool
    reason: str = ""
    drift: dict[str, Any] | None = None
    feedback: dict[str, Any] = field(default_factory=dict)
    added: Counter[str] = field(default_factory=Counter)
    train_rows: dict[str, int] = field(default_factory=dict)
    run: str | None = None
    compared_with: str | None = None
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    gate: dict[str, Any] | None = None
    promoted: bool = False
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON `retrain --json` prints (and reports/retrain.json holds)."""
        return {"ran": self.ran, "reason": self.reason, "drift": self.drift, "feedback": self.feedback,
                "added_from_feedback": dict(self.added), "train_rows": self.train_rows, "run": self.run,
                "compared_with": self.compared_with, "scores": self.scores, "gate": self.gate,
                "promoted": self.promoted, "paths": self.paths}


def retrain(ws: Workspace, *, overrides: list[str] | None = None, promote: bool = True, if_needed: bool = False,
            rebuild: bool = True, reporter: Reporter | None = None) -> RetrainSummary:
    """Rebuild, add the agents' feedback, train, evaluate and (unless told not to) ask the gate to promote."""
    reporter = reporter or SilentReporter()
    needed, drift = retrain_needed(ws, reporter) if if_needed else (True, None)
    if not needed:
        return _finish(ws, RetrainSummary(False, "not needed", drift=drift))
    from tunedesk.eval.stage import run as evaluate  # torch and transformers: only once training is certain
    from tunedesk.train.stage import run as train

    summary = RetrainSummary(True, "drift says retrain" if if_needed else "asked", drift=drift)
    previous = _previous_version(ws)
    if rebuild:
        from tunedesk.build.stage import run as build

        build(ws, reporter)
    export = export_feedback(ws)
    summary.feedback, summary.added = export.as_dict(), Counter(export.used)
    summary.train_rows = add_to_training_file(ws, export)
    summary.run = train(ws, overrides=overrides, reporter=reporter).run.id
    summary.scores["new"] = _scores(evaluate(ws, summary.run, reporter=reporter).summary)
    summary.compared_with, summary.scores["previous"] = previous, _recorded_scores(ws, previous)
    summary.gate, summary.promoted = _gate(ws, summary.run, promote)
    return _finish(ws, summary)


def retrain_needed(ws: Workspace, reporter: Reporter) -> tuple[bool, dict[str, Any] | None]:
    """(whether drift says retrain, its summary); with no run yet there is nothing to drift from: needed."""
    from tunedesk.learn.drift import check_drift
    from tunedesk.store.runs import list_runs

    if not list_runs(ws.root):
        return True, None
    drift = check_drift(ws, reporter=reporter)
    return drift.verdict == "retrain", drift.as_dict()


def add_to_training_file(ws: Workspace, export: FeedbackExport) -> dict[str, int]:
    """data/train.jsonl = its build rows (earlier feedback rows removed) followed by this export's rows."""
    path = ws.output_dir("data") / "train.jsonl"
    lines = path.read_bytes().splitlines() if path.is_file() else []
    feedback_lines = {r.line for r in read_rows(path).rows if is_feedback_row(r.data)} if lines else set()
    kept = [line for n, line in enumerate(lines, start=1) if line.strip() and n not in feedback_lines]
    added = [orjson.dumps(row) for row in export.rows if row.get("split") == "train"]
    path.write_bytes(b"".join(line + b"\n" for line in [*kept, *added]))
    return {"build": len(kept), "feedback": len(added), "replaced_feedback": len(feedback_lines)}


def _previous_version(ws: Workspace) -> str | None:
    """The version to compare with: production, else the newest run before this one."""
    from tunedesk.store.model_registry import ModelRegistry
    from tunedesk.store.runs import list_runs

    production = ModelRegistry(ws.store).production()
    if production is not None:
        return production.id
    runs = list_runs(ws.root)
    return runs[-1].id if runs else None


def _scores(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: summary.get(key) for key in (*SCORES, "n", "holdout_sha256")}


def _recorded_scores(ws: Workspace, version: str | None) -> dict[str, Any]:
    """The version's last evaluation as recorded (not re-run), or {} when it was never evaluated."""
    from tunedesk.store.evaluations import read_summary

    summary = read_summary(ws.root, version) if version else None
    return _scores(summary) if summary else {}


def _gate(ws: Workspace, version: str, promote: bool) -> tuple[dict[str, Any], bool]:
    from tunedesk.eval import gate
    from tunedesk.store.model_registry import ModelRegistry

    if promote:
        result = gate.promote(ws, version, actor="tunedesk retrain")
    else:
        production = ModelRegistry(ws.store).production()
        result = gate.check(ws, version, production.id if production else None)
    return result.as_dict(), result.promoted


def _finish(ws: Workspace, summary: RetrainSummary) -> RetrainSummary:
    path = ws.output_dir("reports") / "retrain.json"
    summary.paths["report"] = str(path)
    path.write_text(json.dumps(summary.as_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    return summary
