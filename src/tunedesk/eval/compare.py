"""How sure a figure is: a Wilson interval for a share and a paired bootstrap for the difference between two models
on the same items (the one-sided upper bound for a rate of failures, 0 wrong of 29 is "at most 10 %", lives in
answer/calibration.py, where the confidence levels use it too)."""

from __future__ import annotations

import math
from collections.abc import Sequence

Z95 = 1.959964
"""The normal quantile of a two-sided 95 % interval."""


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of successes / n (None for n = 0)."""
    if n <= 0:
        return None
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def paired_bootstrap(candidate: Sequence[bool], baseline: Sequence[bool], samples: int = 2000,
                     seed: int = 0) -> tuple[float, float, float] | None:
    """The difference of two shares measured on the same items (candidate − baseline) with its 95 % percentile
    interval, resampling items with replacement (both models' outcomes on an item stay together)."""
    if len(candidate) != len(baseline):
        raise ValueError(f"{len(candidate)} candidate outcomes but {len(baseline)} baseline outcomes")
    n = len(candidate)
    if not n:
        return None
    import numpy as np

    differences = np.array([int(c) - int(b) for c, b in zip(candidate, baseline, strict=True)], dtype=np.float64)
    draws = differences[np.random.default_rng(seed).integers(0, n, size=(samples, n))].mean(axis=1)
    low, high = np.percentile(draws, [2.5, 97.5])
    return round(float(differences.mean()), 4), round(float(low), 4), round(float(high), 4)


def versus(candidate: Sequence[int], baseline: Sequence[int], seed: int = 0) -> dict[str, object]:
    """The candidate's score-3 and score-1 shares against a baseline's on the same items, with paired-bootstrap
    intervals of the differences."""
    out: dict[str, object] = {"n": len(candidate)}
    for score in (3, 1):
        found = paired_bootstrap([s == score for s in candidate], [s == score for s in baseline], seed=seed)
        out[f"score_{score}_delta"] = found[0] if found else None
        out[f"score_{score}_delta_ci"] = [found[1], found[2]] if found else None
    return out
