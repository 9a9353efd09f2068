"""The calibration runs' forecast for the full run and the verdict: does the forecast clear the gate's score-3 bar
and beat the nearest past reply on the same validation items, and if not, what to change."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from tunedesk.train.curve import (
    CurveError,
    Line,
    bootstrap_interval,
    loss_curve,
    seconds_for,
    share_at,
    share_curve,
    tokens_for_share,
)

if TYPE_CHECKING:
    from tunedesk.eval.calibrate_records import FullRun, Point

LONGER_REACH = 4.0
"""The bar within this many times the planned tokens: train longer on the same data; beyond it: change more."""

RULE = ("run the full run when the forecast score 3 reaches gate.min_score_3 and is above the nearest past reply "
        "(retrieval) on the same validation items; otherwise, when score 3 rises with training tokens and the line "
        f"reaches the bar within {LONGER_REACH:g}× the planned tokens, train longer (more steps or epochs); when it "
        "rises too slowly, add data or change the method or base model; when it does not rise, change the method, "
        "base model or prompt (more tokens will not help)")


def forecast(points: list[Point], full: FullRun, resamples: int, seed: int) -> dict[str, Any]:
    """Score 3 and score 1 against ln(tokens), validation loss as a power law, each at the full run's tokens; the
    score-3 interval by resampling the validation items; the full run's time at the measured speed."""
    tokens = [float(p.tokens) for p in points]
    three = share_curve(tokens, [p.score_3 for p in points])
    one = share_curve(tokens, [p.score_1 for p in points])
    low, high = bootstrap_interval(tokens, [p.scores for p in points], full.tokens, 3, resamples, seed)
    losses = [p.val_loss for p in points]
    loss: dict[str, Any] | None = None
    if all(v is not None for v in losses):
        try:
            law = loss_curve(tokens, [float(v) for v in losses if v is not None])
            loss = {"scale": law.scale, "exponent": law.exponent, "at_full": round(law.at(full.tokens), 4)}
        except CurveError:
            loss = None
    return {"tokens": full.tokens, "score_3": round(share_at(three, full.tokens), 4),
            "score_3_ci": [round(low, 4), round(high, 4)], "score_1": round(share_at(one, full.tokens), 4),
            "score_3_line": {"intercept": three.intercept, "slope_per_ln_token": three.slope},
            "score_1_line": {"intercept": one.intercept, "slope_per_ln_token": one.slope},
            "val_loss": loss, **_time(points, full),
            "interval_covers": "validation-item resampling (not the choice of curve)"}


def _time(points: list[Point], full: FullRun) -> dict[str, float | None]:
    """The full run's time: its training tokens at the calibration runs' training speed (their validation-loss
    passes taken out), plus its own validation-loss passes at the calibration runs' time per pass."""
    trained = seconds_for([float(p.tokens) for p in points], [p.seconds - p.eval_seconds for p in points],
                          full.tokens)
    per_pass = [p.eval_seconds for p in points if p.eval_seconds > 0]
    validating = full.val_passes * sum(per_pass) / len(per_pass) if per_pass else 0.0
    if trained is None:
        return {"seconds": None, "train_seconds": None, "val_seconds": None}
    return {"seconds": round(trained + validating, 1), "train_seconds": round(trained, 1),
            "val_seconds": round(validating, 1)}


def verdict(predicted: dict[str, Any], retrieval: float, bar: float, full: FullRun) -> dict[str, Any]:
    """Whether the forecast clears the bar and the baseline, and the recommendation by the rule in RULE."""
    score, (low, _) = predicted["score_3"], predicted["score_3_ci"]
    clears, beats = score >= bar, score > retrieval
    line = predicted["score_3_line"]
    curve = Line(line["intercept"], line["slope_per_ln_token"])
    target = max(bar, retrieval + 0.01)  # the bar, and strictly above the nearest past reply
    needed = tokens_for_share(curve, target) if target <= 1 else None
    if clears and beats:
        action, advice = "full_run", (f"run the full run: forecast score 3 {score:.1%} (95 % interval from "
                                      f"{low:.1%}) clears the bar {bar:.0%} and the nearest past reply "
                                      f"{retrieval:.1%}")
    else:
        action, advice = _what_to_change(curve.slope, needed, target, retrieval, full)
    return {"clears_bar": clears, "beats_retrieval": beats, "bar": bar, "retrieval_score_3": round(retrieval, 4),
            "target_score_3": round(target, 4), "tokens_to_target": round(needed) if needed else None,
            "action": action, "recommendation": advice, "rule": RULE}


def _what_to_change(slope: float, needed: float | None, target: float, retrieval: float,
                    full: FullRun) -> tuple[str, str]:
    """The action and advice when the forecast falls short (the branches of RULE after the first)."""
    if target > 1:
        return "change_approach", (f"the nearest past reply already scores {retrieval:.1%} on these validation "
                                   "items: no model can beat it there; score more validation items "
                                   "(train.calibration.val_limit) or reconsider the task")
    if slope <= 0 or needed is None:
        return "change_approach", ("score 3 does not rise across the calibration runs: change the method, the base "
                                   "model or the prompt. Short runs scored on few validation tickets can differ by "
                                   "more than their trend (docs/calibration.md has a check where they did), so before "
                                   "giving up on more tokens, score more "
                                   "validation tickets (train.calibration.val_limit) or add a larger share")
    times = needed / full.tokens
    if times <= LONGER_REACH:
        return "train_longer", (f"train longer: the line reaches {target:.0%} at about {needed:,.0f} tokens "
                                f"({times:.1f}× the plan), e.g. train.max_steps={math.ceil(full.steps * times)}")
    return "more_data_or_method", (f"the line reaches {target:.0%} only at {times:,.0f}× the planned tokens: add "
                                   "training data, or change the method or base model")
