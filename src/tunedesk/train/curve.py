"""Learning curves from calibration runs: score shares against log(training tokens) as a straight line, validation
loss against training tokens as a power law, each extrapolated to the full run's tokens; the score forecast's
interval from resampling the validation items and refitting. Plain least squares, no fitting library."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from tunedesk.errors import TunedeskError


class CurveError(TunedeskError):
    """A learning curve cannot be fitted from these points."""


@dataclass(frozen=True)
class Line:
    """y = intercept + slope × x."""

    intercept: float
    slope: float

    def at(self, x: float) -> float:
        """The line's value at x."""
        return self.intercept + self.slope * x

    def solve(self, y: float) -> float | None:
        """The x where the line reaches y (None for a flat line)."""
        return (y - self.intercept) / self.slope if self.slope else None


def fit_line(xs: Sequence[float], ys: Sequence[float]) -> Line:
    """Least-squares line through the points; needs at least two distinct x."""
    if len(xs) != len(ys) or len(set(xs)) < 2:
        raise CurveError(f"a line needs at least two points with different x, got x={list(xs)}")
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return Line(mean_y - slope * mean_x, slope)


def share_curve(tokens: Sequence[float], shares: Sequence[float]) -> Line:
    """A score share against ln(training tokens)."""
    return fit_line([math.log(t) for t in tokens], shares)


def share_at(curve: Line, tokens: float) -> float:
    """The curve's share at `tokens`, kept between 0 and 1."""
    return min(1.0, max(0.0, curve.at(math.log(tokens))))


def tokens_for_share(curve: Line, share: float) -> float | None:
    """Training tokens at which the curve reaches `share` (None when it does not rise)."""
    x = curve.solve(share)
    return math.exp(min(x, 700.0)) if x is not None and curve.slope > 0 else None


@dataclass(frozen=True)
class PowerLaw:
    """loss = scale × tokens ** exponent (a straight line in log-log)."""

    scale: float
    exponent: float

    def at(self, tokens: float) -> float:
        """The law's value at `tokens`."""
        return self.scale * tokens ** self.exponent


def loss_curve(tokens: Sequence[float], losses: Sequence[float]) -> PowerLaw:
    """Validation loss against training tokens as a power law (every loss must be above 0)."""
    if any(v <= 0 for v in losses):
        raise CurveError(f"a power law needs losses above 0, got {list(losses)}")
    line = fit_line([math.log(t) for t in tokens], [math.log(v) for v in losses])
    return PowerLaw(math.exp(line.intercept), line.slope)


def share_of(scores: Sequence[int], value: int, picks: Sequence[int] | None = None) -> float:
    """Share of `scores` equal to `value`, over the indexes in `picks` (all by default)."""
    chosen = [scores[i] for i in picks] if picks is not None else list(scores)
    return sum(s == value for s in chosen) / len(chosen) if chosen else 0.0


def bootstrap_interval(tokens: Sequence[float], item_scores: Sequence[Sequence[int]], target: float, value: int = 3,
                       resamples: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95 % interval of the forecast share of `value` at `target` tokens: the validation items (the same items for
    every run, one row of scores per run) resampled with replacement, each run's share recomputed, the line
    refitted. It covers the validation sample's noise, not the choice of a straight line."""
    n = len(item_scores[0]) if item_scores else 0
    if n == 0 or any(len(row) != n for row in item_scores):
        raise CurveError("every calibration run must be scored on the same validation items")
    rng = random.Random(seed)
    forecasts = []
    for _ in range(resamples):
        picks = [rng.randrange(n) for _ in range(n)]
        curve = share_curve(tokens, [share_of(row, value, picks) for row in item_scores])
        forecasts.append(share_at(curve, target))
    forecasts.sort()
    return forecasts[int(0.025 * (resamples - 1))], forecasts[math.ceil(0.975 * (resamples - 1))]


def seconds_for(tokens: Sequence[float], seconds: Sequence[float], target: float) -> float | None:
    """Seconds the full run would take at the calibration runs' measured speed (all their tokens over all their
    time); None when no time was measured."""
    spent = sum(seconds)
    return target / (sum(tokens) / spent) if spent > 0 and sum(tokens) > 0 else None
