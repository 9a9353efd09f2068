"""Answer or escalate: the guardrails' verdicts, the calibrated confidence and the routing mode give one decision.

    escalate   a guardrail (or the model's own marker) hands the ticket to a person
    refuse     off-topic: the brand's polite refusal is the reply
    auto_send  mode `auto`, high confidence and nothing asked for review
    needs_approval  everything else: an agent approves, edits or rejects the draft
In `shadow` mode the decision is computed as in `auto` but nothing reaches the customer (the log says what would
have happened).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tunedesk.answer.calibration import confidence_of, level
from tunedesk.answer.types import GuardVerdict


@dataclass
class Decision:
    """The routing outcome and why."""

    decision: str
    confidence: str
    confidence_score: float
    reasons: list[str] = field(default_factory=list)


def confidence(mean_logprob: float | None, verdicts: list[GuardVerdict], fitted: dict[str, float | None]) -> \
        tuple[float, str]:
    """The reply's confidence (0–1, less every soft finding's penalty) and its calibrated level."""
    if mean_logprob is None:
        return 0.0, "low"
    score = max(0.0, confidence_of(mean_logprob) - sum(v.confidence_penalty for v in verdicts))
    return round(score, 4), level(score, fitted)


def decide(mode: str, verdicts: list[GuardVerdict], score: float, confidence_level: str) -> Decision:
    """One decision from every verdict (before and after generation) and the confidence."""
    reasons = [v.reason for v in verdicts if v.action != "pass"]
    if any(v.action == "escalate" for v in verdicts):
        return Decision("escalate", confidence_level, score, reasons)
    if any(v.action == "refuse" for v in verdicts):
        return Decision("refuse", confidence_level, score, reasons)
    reviewable = any(v.action == "review" for v in verdicts)
    if mode in ("auto", "shadow") and confidence_level == "high" and not reviewable:
        return Decision("auto_send", confidence_level, score, reasons)
    if mode in ("auto", "shadow") and confidence_level != "high":
        reasons.append(f"{confidence_level}_confidence")
    elif mode in ("draft", "approve"):
        reasons.append(f"mode_{mode}")
    return Decision("needs_approval", confidence_level, score, reasons)
