"""A reply's confidence from several signals, calibrated on the validation split: what the model thought of its
own tokens, whether it says what past agents said to similar tickets, how sure the category guess is, and the
judge-free checks (grounding and the other guards' penalties, policy contradictions, promises, repetition, terms
no policy states). A logistic regression maps them to the probability that a person would call the reply fully
correct (score 3); "high" is the lowest probability above which at least 95 % of validation replies scored 3.

Fitted by `eval` on validation answers (never on the held-out set), kept in the evaluation's summary, and applied
by the server to every reply of that version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SIGNALS = ("logprob_mean", "logprob_min", "precedent_agreement", "category_share", "guard_penalty", "review",
           "contradictions", "promises", "repetition", "unstated_terms", "cut_off", "tokens")
"""The signals, in the order the weights are kept."""
L2 = 1.0
"""Ridge penalty on the standardised weights: validation sets are small."""


@dataclass
class Calibrator:
    """Logistic regression over the standardised signals; `probability` is P(score 3)."""

    weights: list[float]
    bias: float
    means: list[float]
    scales: list[float]
    trained_on: int = 0
    notes: list[str] = field(default_factory=list)

    def probability(self, signals: dict[str, float]) -> float:
        """P(a person scores the reply 3), 0..1."""
        z = self.bias + sum(w * (signals.get(name, 0.0) - m) / s
                            for name, w, m, s in zip(SIGNALS, self.weights, self.means, self.scales, strict=True))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def as_dict(self) -> dict[str, Any]:
        """The JSON kept in the evaluation summary."""
        return {"signals": list(SIGNALS), "weights": [round(w, 6) for w in self.weights], "bias": round(self.bias, 6),
                "means": self.means, "scales": self.scales, "trained_on": self.trained_on, "notes": self.notes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator | None:
        """The calibrator a summary keeps, or None when it has none (or another set of signals)."""
        if list(data.get("signals") or []) != list(SIGNALS):
            return None
        return cls(list(data["weights"]), float(data["bias"]), list(data["means"]), list(data["scales"]),
                   int(data.get("trained_on") or 0), list(data.get("notes") or []))


def fit(rows: list[dict[str, float]], correct: list[bool], steps: int = 400) -> Calibrator | None:
    """A calibrator fitted by Newton's method on standardised signals with a ridge penalty; None with fewer than
    8 rows or only one outcome (nothing to learn from)."""
    import numpy as np

    if len(rows) < 8 or len(set(correct)) < 2:
        return None
    x = np.array([[r.get(name, 0.0) for name in SIGNALS] for r in rows], dtype=np.float64)
    y = np.array(correct, dtype=np.float64)
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales < 1e-9] = 1.0
    z = np.hstack([np.ones((len(rows), 1)), (x - means) / scales])
    beta = np.zeros(z.shape[1])
    penalty = np.diag([0.0, *([L2] * len(SIGNALS))])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(z @ beta, -30, 30)))
        gradient = z.T @ (p - y) + penalty @ beta
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return Calibrator([float(b) for b in beta[1:]], float(beta[0]), [round(float(m), 6) for m in means],
                      [round(float(s), 6) for s in scales], len(rows))
