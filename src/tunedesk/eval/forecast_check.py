"""Did the calibration's forecast hold? When `tunedesk train --calibrate` forecast a full run and that run is
evaluated, eval's own validation pass (the one that fits the confidence calibrator) scores it on the calibration's
validation items, through the same path and judge, at no extra cost. The check sets that measured score 3 beside
the forecast and its interval, and the measured validation loss beside the loss forecast.

It is made only when the run is the run the calibration planned: the same optimizer steps, the same training data
(its hash, or its number of examples for a calibration that did not record the hash), the same validation items
and, where recorded, the same answering path. Otherwise it says why not."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tunedesk.eval.compare import wilson
from tunedesk.workspace import Workspace

CALIBRATION_FILE = "calibration.json"


def ids_hash(ids: list[str]) -> str:
    """A short hash of item ids, in order: the calibration records it for its validation items."""
    return hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16]


def forecast_check(ws: Workspace, run: dict[str, Any], scores: dict[str, int],
                   answer_path: str) -> dict[str, Any] | None:
    """The forecast beside the run's measured validation score, or why they cannot be compared; None when the
    workspace has no calibration or the run was not scored on validation."""
    path = ws.output_dir("reports") / CALIBRATION_FILE
    if not scores or not path.is_file():
        return None
    calibration = json.loads(path.read_text(encoding="utf-8"))
    head = {"calibration": calibration["id"], "path": str(path)}
    ids = list(scores)[:calibration["validation"]["items"]]  # scores follow data/val.jsonl's order
    why = _not_comparable(calibration, run, ids, answer_path)
    if why:
        return {**head, "comparable": False, "why": why}
    measured = [scores[i] for i in ids]
    right = sum(s == 3 for s in measured)
    share = right / len(measured)
    forecast = calibration["forecast"]
    low, high = forecast["score_3_ci"]
    return {**head, "comparable": True, "items": len(measured),
            "forecast_score_3": forecast["score_3"], "forecast_score_3_ci": [low, high],
            "measured_score_3": share, "measured_score_3_ci": wilson(right, len(measured)),
            "difference": round(share - forecast["score_3"], 4), "inside_interval": low <= share <= high,
            "forecast_val_loss": (forecast.get("val_loss") or {}).get("at_full"),
            "measured_val_loss": (run.get("final") or {}).get("val_loss_last")}

def _not_comparable(calibration: dict[str, Any], run: dict[str, Any], ids: list[str], answer_path: str) -> str | None:
    planned, validation = calibration["full_run"], calibration["validation"]
    train = (run.get("data") or {}).get("train") or {}
    if run.get("calibration"):
        return "this run is itself a calibration run"
    if run.get("steps") != planned["steps"]:
        return f"the run trained {run.get('steps')} optimizer steps, the calibration planned {planned['steps']}"
    if validation.get("train_sha256") and validation["train_sha256"] != train.get("sha256"):
        return "the run trained on other data than the calibration's data/train.jsonl"
    if train.get("rows", 0) - train.get("skipped", 0) != planned["examples"]:
        return f"the run trained on {train.get('rows')} examples, the calibration planned {planned['examples']}"
    if ids_hash(ids) != validation["ids_sha256"]:
        return "data/val.jsonl is not the validation split the calibration runs were scored on"
    if validation.get("answer_path") not in (None, answer_path):
        return "the answering path (serve settings, guardrails, prompt) differs from the calibration's"
    return None
