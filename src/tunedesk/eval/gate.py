"""The promotion gate: a model version becomes production only when its held-out evaluation reaches the bar in
tunedesk.yaml's `gate` section and does not regress against the current production model on the same items.

    tunedesk promote RUN -w ws     refused, with the failing criteria, unless every criterion passes
    tunedesk rollback -w ws        production → archived, the previous production version back
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tunedesk.config.stages import GateConfig
from tunedesk.errors import TunedeskError
from tunedesk.store.evaluations import eval_dir, read_replies, read_summary
from tunedesk.store.model_registry import ModelRegistry, ModelVersion
from tunedesk.workspace import Workspace


class GateError(TunedeskError):
    """The gate cannot be checked (the version was never evaluated)."""


@dataclass
class Criterion:
    """One requirement of the gate and how the candidate fares."""

    name: str
    passed: bool
    value: float | int | None
    threshold: float | int | None
    detail: str = ""


@dataclass
class GateResult:
    """The gate's decision for one version."""

    version: str
    criteria: list[Criterion]
    production: str | None = None
    promoted: bool = False
    archived: str | None = None
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every criterion passed."""
        return all(c.passed for c in self.criteria)

    def failing(self) -> list[Criterion]:
        """The criteria that failed."""
        return [c for c in self.criteria if not c.passed]

    def as_dict(self) -> dict[str, Any]:
        """The JSON `promote --json` prints."""
        return {"version": self.version, "passed": self.passed, "promoted": self.promoted,
                "production_before": self.production, "archived": self.archived,
                "criteria": [asdict(c) for c in self.criteria], "failing": [c.name for c in self.failing()]}


def check(ws: Workspace, version: str, production: str | None) -> GateResult:
    """Every gate criterion for `version` against the config and the production version's evaluation."""
    cfg = ws.config.gate
    summary = _summary(ws, version)
    criteria = [*_bar(summary, cfg), _auto_sent_wrong(summary, cfg, ws.config.serve.mode),
                _current_holdout(ws, summary)]
    if cfg.beat_baselines:
        criteria.append(beats_baselines(summary))
    if cfg.no_regression and production and production != version:
        criteria.append(_no_regression(ws, version, production, cfg))
    return GateResult(version, criteria, production=production)


def promote(ws: Workspace, version: str, actor: str | None = None) -> GateResult:
    """Check the gate; promote when it passes, record the refusal when it does not."""
    _refuse_calibration_run(ws, version)
    registry = ModelRegistry(ws.store)
    _ensure_registered(ws, registry, version)
    current = registry.production()
    result = check(ws, version, current.id if current else None)
    detail = {"criteria": [asdict(c) for c in result.criteria]}
    if not result.passed:
        registry.refuse(version, detail, actor)
        return result
    archived = registry.promote(version, detail, actor)
    result.promoted, result.archived = True, archived.id if archived else None
    return result


def _refuse_calibration_run(ws: Workspace, version: str) -> None:
    """A calibration run trained on a slice of the data to forecast the full run: it is never a candidate."""
    from tunedesk.store.runs import is_calibration, list_runs

    if any(r.id == version and is_calibration(r) for r in list_runs(ws.root)):
        raise GateError(f"{version} is a calibration run (`tunedesk train --calibrate`, trained on a slice of the "
                        f"training set to forecast the full run): it cannot be promoted; train the full run with "
                        f"`tunedesk train -w {ws.root}`, evaluate it and promote that")


def _ensure_registered(ws: Workspace, registry: ModelRegistry, version: str) -> ModelVersion:
    summary = _summary(ws, version)
    return registry.register(version, kind=summary.get("kind", "run"), base=summary.get("base"),
                             method=summary.get("method"), eval_summary=summary)


def _summary(ws: Workspace, version: str) -> dict[str, Any]:
    summary = read_summary(ws.root, version)
    if summary is None:
        raise GateError(f"{version} has no evaluation ({eval_dir(ws.root, version) / 'summary.json'} is missing): "
                        f"run `tunedesk eval -w {ws.root} --model {version}` first")
    return summary


def _bar(summary: dict[str, Any], cfg: GateConfig) -> list[Criterion]:
    n, s3, s1, recall = (summary.get(k) for k in ("n", "score_3", "score_1", "escalation_recall"))
    return [
        Criterion("evaluated_items", (n or 0) >= cfg.min_items, n, cfg.min_items,
                  "" if (n or 0) >= cfg.min_items else "too few held-out items evaluated (drop --limit)"),
        Criterion("score_3", s3 is not None and s3 >= cfg.min_score_3, s3, cfg.min_score_3,
                  "share of replies fully correct"),
        Criterion("score_1", s1 is not None and s1 < cfg.max_score_1, s1, cfg.max_score_1,
                  "share of replies wrong (must stay below)"),
        Criterion("escalation_recall", recall is not None and recall >= cfg.min_escalation_recall, recall,
                  cfg.min_escalation_recall, "tickets that must reach a human and do" if recall is not None
                  else "no ticket among those evaluated needed escalating"),
    ]


def _auto_sent_wrong(summary: dict[str, Any], cfg: GateConfig, mode: str) -> Criterion:
    """Never confidently wrong: of what mode auto sends, the share scored 1. Where the workspace serves in mode
    auto it counts only on at least `gate.min_auto_sent` sent replies (too few shows nothing, and fails)."""
    wrong, sent, upper = (summary.get(k) for k in ("auto_sent_wrong_share", "auto_sent", "auto_sent_wrong_upper"))
    if "auto_sent" not in summary:
        return Criterion("auto_sent_wrong", False, None, cfg.max_auto_sent_wrong,
                         "not measured by this evaluation: evaluate again")
    bound = f"; 95 % upper bound {upper:.1%}" if upper is not None else ""
    if mode != "auto":
        return Criterion("auto_sent_wrong", wrong is None or wrong < cfg.max_auto_sent_wrong, wrong,
                         cfg.max_auto_sent_wrong, f"of {sent} replies mode auto would send{bound} (serve.mode={mode}: "
                         "nothing is sent without an agent)")
    enough = (sent or 0) >= cfg.min_auto_sent
    return Criterion("auto_sent_wrong", enough and wrong is not None and wrong < cfg.max_auto_sent_wrong, wrong,
                     cfg.max_auto_sent_wrong, f"of {sent} replies mode auto would send{bound}" if enough else
                     f"not shown: only {sent} held-out replies would be auto-sent, fewer than gate.min_auto_sent="
                     f"{cfg.min_auto_sent}")


def beats_baselines(summary: dict[str, Any]) -> Criterion:
    """Does fine-tuning earn its keep: score 3 above the best baseline with the paired-bootstrap interval of the
    difference above 0, and score 1 not worse than that baseline's."""
    baselines, versus = summary.get("baselines") or {}, summary.get("vs_baselines") or {}
    if not baselines or not versus:
        return Criterion("beats_baselines", False, None, None, "no baselines in this evaluation: evaluate again")
    best = max(baselines, key=lambda name: baselines[name].get("score_3") or 0.0)
    delta, interval = versus[best].get("score_3_delta"), versus[best].get("score_3_delta_ci") or [None, None]
    s1, best_s1 = summary.get("score_1"), baselines[best].get("score_1")
    ok = delta is not None and delta > 0 and interval[0] is not None and interval[0] > 0 and \
        s1 is not None and best_s1 is not None and s1 <= best_s1
    detail = (f"score 3 {delta:+.1%} vs {best} (95 % interval {interval[0]:+.1%} to {interval[1]:+.1%}); score 1 "
              f"{s1:.1%} vs {best_s1:.1%}") if delta is not None and interval[0] is not None else f"vs {best}"
    return Criterion("beats_baselines", ok, delta, 0.0, detail)


def _current_holdout(ws: Workspace, summary: dict[str, Any]) -> Criterion:
    from tunedesk.train.data import sha256_of

    recorded = summary.get("holdout_sha256")
    path = ws.output_dir("data") / "holdout.jsonl"
    now = sha256_of(path) if path.is_file() else None
    same = recorded is None or now is None or recorded == now
    detail = "" if same else "the held-out set was rebuilt since this evaluation: evaluate again"
    return Criterion("current_holdout", same, None, None, detail or "evaluated on today's held-out set")


def _no_regression(ws: Workspace, version: str, production: str, cfg: GateConfig) -> Criterion:
    """Score-3 share of both versions on the held-out items both were evaluated on, with the same reference."""
    mine, theirs = _scores(ws, version), _scores(ws, production)
    shared = [i for i in mine if i in theirs and mine[i][1] == theirs[i][1]]
    if len(shared) < cfg.min_items:
        return Criterion("no_regression", False, None, None,
                         f"only {len(shared)} held-out items in common with production {production}: evaluate both "
                         "on today's held-out set")
    candidate = sum(mine[i][0] == 3 for i in shared) / len(shared)
    current = sum(theirs[i][0] == 3 for i in shared) / len(shared)
    floor = round(current - cfg.regression_tolerance, 4)
    return Criterion("no_regression", candidate >= floor, round(candidate, 4), floor,
                     f"score 3 on {len(shared)} shared items: {candidate:.1%} vs production {production} "
                     f"{current:.1%}")


def _scores(ws: Workspace, version: str) -> dict[str, tuple[int, str]]:
    folder = eval_dir(ws.root, version)
    if not (folder / "replies.jsonl").is_file():
        raise GateError(f"{version}: {folder / 'replies.jsonl'} is missing: run "
                        f"`tunedesk eval -w {ws.root} --model {version}`")
    return {r["id"]: (int(r["score"]), r.get("reference", "")) for r in read_replies(folder)[0]}
