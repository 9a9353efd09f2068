"""The eval stage: the held-out tickets answered through the server's own path (`eval.answering`), with the
confidence thresholds fitted on the validation split first → a judge's 3/2/1 verdicts → metrics with intervals,
side by side with the baselines on the same items (the nearest past reply, the untuned base) → reports/eval/<model>/.

    tunedesk eval -w ws --model base        the untuned base
    tunedesk eval -w ws --model retrieval   the nearest past reply, no model
    tunedesk eval -w ws --model latest      the newest run (or an id / prefix)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from tunedesk.eval.answering import (
    EvalError,
    Fitted,
    answer_items,
    eval_responder,
    fit_calibration,
    judged,
    split_items,
)
from tunedesk.eval.baselines import BASELINES, Evaluated, baseline, unrouted, version_info, write_evaluation
from tunedesk.eval.compare import versus
from tunedesk.eval.judges import get_judge
from tunedesk.eval.judges.base import Item, Judge
from tunedesk.eval.metrics import summarise
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.store.evaluations import eval_dir, read_replies
from tunedesk.workspace import Workspace

__all__ = ["EvalError", "EvalSummary", "evaluate", "run"]

SIGNAL = ("P(score 3) from a logistic regression over the reply's signals (token log-probabilities, agreement "
          "with similar past tickets' replies, the category guess, the judge-free checks), fitted on validation")


@dataclass
class EvalSummary:
    """What one evaluation measured, and where it wrote."""

    summary: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON `eval --json` prints."""
        return {**self.summary, "paths": self.paths}


def run(ws: Workspace, model: str = "base", *, limit: int | None = None,
        reporter: Reporter | None = None) -> EvalSummary:
    """Evaluate `model` (base, retrieval, a run id or `latest`) on the held-out set, with its baselines."""
    reporter = reporter or SilentReporter()
    items = split_items(ws, "holdout", limit or ws.config.eval.limit)
    judge = eval_judge(ws)  # first: a judge that cannot be built fails before minutes of generation
    candidate = evaluate(ws, model, items, judge, reporter)
    _check_adapter_applied(ws, candidate)
    as_baseline = partial(evaluate, calibrate=False)
    baselines = {name: baseline(ws, name, items, judge, reporter, as_baseline)
                 for name in BASELINES if name != candidate.name}
    summary = {**candidate.summary, "baselines": {name: b.summary for name, b in baselines.items()},
               "vs_baselines": {name: versus(candidate.scores, b.scores, seed=ws.config.eval.seed)
                                for name, b in baselines.items()}}
    candidate.summary = summary
    result = EvalSummary(summary, write_evaluation(ws, candidate))
    _register(ws, summary)
    return result


def eval_judge(ws: Workspace) -> Judge:
    """The configured judge, with the workspace's policies and KB."""
    cfg = ws.config.eval
    judge: Judge = get_judge(cfg.judge, policies=ws.policies(), kb_texts=[a.body for a in ws.store.iter_articles()],
                             similarity=cfg.similarity, **({"llm": cfg.llm} if cfg.judge == "llm" else {}))
    return judge


def evaluate(ws: Workspace, version: str, items: list[Item], judge: Judge, reporter: Reporter, *,
             calibrate: bool = True) -> Evaluated:
    """One version through the server's path: the confidence thresholds fitted on the validation split (never on
    the held-out set), then the held-out items answered, judged and summarised. A baseline (calibrate=False) is
    compared by its replies alone, so its confidence is left unfitted (every reply low, none auto-sent): on the
    example that saves the base model a pass over the validation split, 2.7 minutes of `make demo`."""
    responder = eval_responder(ws, version)
    try:
        fitted = Fitted.unfitted()
        if calibrate:
            with reporter.task(f"{version}: fit the confidence calibrator on validation"):
                fitted = fit_calibration(ws, responder, judge)
        responder.calibration, responder.calibrator = fitted.thresholds, fitted.calibrator
        started = time.perf_counter()
        answers = answer_items(responder, items, reporter, ws.config.eval.batch_size)
        seconds = time.perf_counter() - started
        name = responder.model_version or version
        shown = responder.contexts.precedents
    finally:
        responder.close()
    with reporter.task(f"judge ({ws.config.eval.judge})", total=len(items)) as task:
        verdicts = judged(judge, items, answers)
        task.advance(len(items))
    summary = {"model": name, **version_info(ws, name), "judge": ws.config.eval.judge,
               **summarise(items, answers, verdicts, seconds, fitted.thresholds)}
    summary["calibration"].update(calibrator=fitted.calibrator.as_dict() if fitted.calibrator else None,
                                  validation_items=fitted.validation_items, fitted=True,
                                  signal=SIGNAL if fitted.calibrator else summary["calibration"]["signal"])
    if not calibrate:
        unrouted(summary)
    summary.update({"judge_failures": failures} if (failures := getattr(judge, "failures", 0)) else {})
    if summary.get("kind") == "run" and (checked := _forecast_check(ws, name, fitted)) is not None:
        summary["forecast_check"] = checked
    summary["precedents_sha256"] = shown.index.sha256 if shown is not None else None
    return Evaluated(name, items, answers, verdicts, {**summary, **_provenance(ws)})


def _forecast_check(ws: Workspace, name: str, fitted: Fitted) -> dict[str, Any] | None:
    """The calibration's forecast for this run beside its score on the same validation items (None: no calibration
    in the workspace, or no validation pass)."""
    from tunedesk.eval.baselines import answer_path_signature
    from tunedesk.eval.forecast_check import forecast_check
    from tunedesk.store.runs import find_run

    return forecast_check(ws, find_run(ws.root, name).record, fitted.validation_scores, answer_path_signature(ws))


def _provenance(ws: Workspace) -> dict[str, Any]:
    """What the replies depend on besides the model, so an evaluation can be reused as a baseline only as is."""
    from tunedesk.eval.baselines import answer_path_signature
    from tunedesk.train.data import sha256_of

    return {"holdout_sha256": sha256_of(ws.output_dir("data") / "holdout.jsonl"),
            "answer_path": answer_path_signature(ws)}


def _register(ws: Workspace, summary: dict[str, Any]) -> None:
    """Every evaluated model is a version in the registry (a candidate until promoted); its latest summary kept."""
    from tunedesk.store.model_registry import ModelRegistry

    ModelRegistry(ws.store).register(summary["model"], kind=summary.get("kind", "run"), base=summary.get("base"),
                                     method=summary.get("method"), eval_summary=summary)


def _check_adapter_applied(ws: Workspace, candidate: Evaluated) -> None:
    """A run whose replies all equal the base's on the same items has an adapter that does nothing: fail loudly."""
    if candidate.summary.get("kind") != "run":
        return
    # the models' own texts: a hand-over's holding reply is the workspace's template, the same for every model
    base = {r["id"]: r["served"].get("draft") or r["reply"] for r in read_replies(eval_dir(ws.root, "base"))[0]}
    shared = [(item.id, answer.draft or answer.text) for item, answer in zip(candidate.items, candidate.answers,
                                                                              strict=True) if item.id in base]
    if len(shared) >= 5 and all(base[i] == text for i, text in shared):
        raise EvalError(f"run {candidate.name} gives exactly the base model's replies on all {len(shared)} held-out "
                        "items evaluated for both: its adapter is not being applied")


def held_out_items(ws: Workspace, limit: int | None) -> list[Item]:
    """The held-out rows as judge items (the reference reply split off)."""
    return split_items(ws, "holdout", limit)
