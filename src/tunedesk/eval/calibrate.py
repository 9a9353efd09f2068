"""Calibration runs: before the full training run, short runs on growing slices of the training set forecast it.

    tunedesk train -w ws --calibrate      the runs, their validation scores, the fitted curve and the verdict

Run i trains on the first share s_i of the seeded, shuffled training examples for s_i of the full run's optimizer
steps (so s_i of its training tokens), with its own warm-up and decay; it is answered through the server's path
and judged on the VALIDATION split (never the held-out set), as `tunedesk eval` answers. Score 3 is fitted against
ln(training tokens), validation loss against tokens as a power law; both are extrapolated to the full run, with an
interval from resampling the validation items. Lives in eval (not train) because it answers and judges.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

from tunedesk.errors import TunedeskError
from tunedesk.eval.answering import answered_by, judged, split_items
from tunedesk.eval.baselines import answer_path_signature
from tunedesk.eval.calibrate_records import CalibrationSummary, FullRun, Point
from tunedesk.eval.calibrate_report import write_reports
from tunedesk.eval.forecast import forecast, verdict
from tunedesk.eval.forecast_check import ids_hash
from tunedesk.eval.judges.base import Item, Judge
from tunedesk.eval.stage import eval_judge
from tunedesk.models.template import load_template
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.train import stage as train_stage
from tunedesk.train.data import encode_file, sha256_of
from tunedesk.train.session import plan
from tunedesk.workspace import Workspace


class CalibrationError(TunedeskError):
    """Calibration runs cannot be made or fitted."""


def run(ws: Workspace, *, overrides: list[str] | None = None, reporter: Reporter | None = None) -> CalibrationSummary:
    """Train the calibration runs, score them on validation, fit the curve, write the reports."""
    reporter = reporter or SilentReporter()
    cfg = ws.config.train
    if cfg.method == "distill":
        raise CalibrationError("train.method=distill: calibration runs are not supported for distillation yet "
                               "(the teacher would rewrite every slice); calibrate with train.method=lora or full")
    items = split_items(ws, "val", cfg.calibration.val_limit)
    judge = eval_judge(ws)  # first: a judge that cannot be built fails before minutes of training
    full = full_run(ws)
    _check_distinct(cfg.calibration.shares, full)
    calibration_id = time.strftime("%Y%m%d-%H%M%S")
    points = []
    for i, share in enumerate(cfg.calibration.shares, 1):
        with reporter.task(f"calibration run {i}/{len(cfg.calibration.shares)}: {share:g} of the training set, "
                           f"{share_steps(share, full)} of {full.steps} steps", total=1) as task:
            task.advance()  # a heading line: the run's own bars (train, answer validation) follow
        points.append(_point(ws, share, full, calibration_id, items, judge, overrides or [], reporter))
    with reporter.task("retrieval baseline on the same validation items", total=1) as task:
        task.advance()
    retrieval = _val_scores(ws, "retrieval", items, judge, reporter)
    predicted = forecast(points, full, cfg.calibration.bootstrap, ws.config.eval.seed)
    retrieval_3 = sum(s == 3 for s in retrieval) / len(retrieval)
    validation = {"split": "val", "items": len(items), "ids_sha256": ids_hash([i.id for i in items]),
                  "retrieval_score_3": retrieval_3, "train_sha256": sha256_of(ws.output_dir("data") / "train.jsonl"),
                  "answer_path": answer_path_signature(ws)}
    decided = verdict(predicted, retrieval_3, ws.config.gate.min_score_3, full)
    summary = CalibrationSummary(calibration_id, full, points, predicted, decided, validation)
    summary.paths = write_reports(ws.output_dir("reports"), summary)
    return summary


def full_run(ws: Workspace) -> FullRun:
    """The full run's optimizer steps (max_steps, or epochs × steps per epoch, as the trainer plans them) and its
    training tokens (steps × the training file's tokens per step)."""
    cfg = ws.config.train
    template = load_template(ws.config.model.base,
                             ws.path(ws.config.model.chat_template) if ws.config.model.chat_template else None)
    encoded = encode_file(ws.output_dir("data") / "train.jsonl", template, cfg.max_length or ws.config.model.max_length,
                          cfg.loss_on)
    if not encoded.examples:
        raise CalibrationError(f"{encoded.path}: no usable training examples")
    steps, _ = plan(cfg, encoded)
    per_epoch, _ = plan(cfg.model_copy(update={"max_steps": None, "epochs": 1.0}), encoded)
    per_step = encoded.tokens / per_epoch
    return FullRun(len(encoded.examples), steps, round(steps * per_step), per_step, _val_passes(ws, steps))


def _val_passes(ws: Workspace, steps: int) -> int:
    """The validation-loss passes of a run of `steps`: one every train.eval_every steps, one at the last step when
    that is not one of them, one at the start with train.eval_at_start; none without a validation file."""
    val = ws.output_dir("data") / "val.jsonl"
    if not val.is_file() or val.stat().st_size == 0:
        return 0
    return ws.config.train.val_passes(steps)


def share_steps(share: float, full: FullRun) -> int:
    """Optimizer steps of the calibration run on `share` of the data: that share of the full run's."""
    return max(1, round(share * full.steps))


def _check_distinct(shares: list[float], full: FullRun) -> None:
    """Two shares with the same number of steps would be one point twice: the curve needs distinct budgets."""
    steps = [share_steps(s, full) for s in shares]
    if len(set(steps)) < len(steps):
        raise CalibrationError(f"train.calibration.shares={shares} give {steps} of the full run's {full.steps} "
                               "steps: too few steps to tell the runs apart; use fewer, more distant shares or a "
                               "longer full run")


def slice_rows(train_path: Path, share: float, seed: int) -> list[str]:
    """The first `share` of the training rows in a seeded shuffle (the slices of one seed are nested)."""
    lines = [line for line in train_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(seed).shuffle(lines)
    return lines[:max(1, round(share * len(lines)))]


def _point(ws: Workspace, share: float, full: FullRun, calibration_id: str, items: list[Item], judge: Judge,
           overrides: list[str], reporter: Reporter) -> Point:
    """One calibration run: its slice written, trained for its share of the steps, scored on validation."""
    folder = ws.output_dir("data") / "calibration"
    folder.mkdir(parents=True, exist_ok=True)
    rows = slice_rows(ws.output_dir("data") / "train.jsonl", share, ws.config.train.seed)
    path = folder / f"train-{share:g}.jsonl"
    path.write_text("".join(r + "\n" for r in rows), encoding="utf-8")
    steps = share_steps(share, full)
    budget = round(share * full.tokens)
    own = [f"train.max_steps={steps}", f"train.eval_every={steps}", f"train.save_every={steps}",
           "train.early_stopping=null", "train.keep_checkpoints=1",
           "train.eval_at_start=false"]
    marks = {"calibration": {"id": calibration_id, "share": share, "examples": len(rows), "budget_tokens": budget,
                             "full_steps": full.steps, "full_tokens": full.tokens}}
    trained = train_stage.run(ws, overrides=[*overrides, *own], reporter=reporter, train_file=path, marks=marks)
    shutil.rmtree(trained.run.path / "checkpoints", ignore_errors=True)  # never resumed: its optimizer state goes
    final = trained.run.record.get("final", {})
    scores = _val_scores(ws, trained.run.id, items, judge, reporter)
    return Point(share, trained.run.id, len(rows), steps, budget, int(final.get("tokens") or budget),
                 float(final.get("seconds") or 0.0), final.get("val_loss_last"),
                 sum(s == 3 for s in scores) / len(scores), sum(s == 1 for s in scores) / len(scores), scores,
                 float(final.get("eval_seconds") or 0.0))


def _val_scores(ws: Workspace, version: str, items: list[Item], judge: Judge, reporter: Reporter) -> list[int]:
    """The version's replies to the validation items, answered as eval answers them, and judged."""
    return [v.score for v in judged(judge, items, answered_by(ws, version, items, reporter))]

