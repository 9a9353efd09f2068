"""Evaluation metrics from the judge's verdicts: score shares, policy, escalation, hallucination, refusal,
per category, lengths and speed. Every rate is a share from 0 to 1; a rate with nothing to count is None."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from tunedesk.answer.calibration import auto_send, calibrate
from tunedesk.eval.judges.base import Item, Verdict


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places; None for an empty whole."""
    return round(part / whole, 4) if whole else None


def score_shares(verdicts: list[Verdict]) -> dict[str, float | None]:
    """Shares of score 3, 2 and 1."""
    counts = Counter(v.score for v in verdicts)
    return {f"score_{s}": share(counts[s], len(verdicts)) for s in (3, 2, 1)}


def escalation(verdicts: list[Verdict]) -> dict[str, Any]:
    """Precision and recall of the escalation decision, and its confusion matrix."""
    pairs = [(bool(v.checks.get("escalation_expected")), bool(v.checks.get("escalation_predicted"))) for v in verdicts]
    tp = sum(e and p for e, p in pairs)
    fp = sum(p and not e for e, p in pairs)
    fn = sum(e and not p for e, p in pairs)
    tn = sum(not e and not p for e, p in pairs)
    return {"escalation_precision": share(tp, tp + fp), "escalation_recall": share(tp, tp + fn),
            "escalation_confusion": {"expected_and_escalated": tp, "expected_not_escalated": fn,
                                     "not_expected_escalated": fp, "not_expected_not_escalated": tn}}


def policy_accuracy(verdicts: list[Verdict]) -> float | None:
    """Among replies that carry policy (the reference states a fact, or the reply claims one): no contradiction and
    every expected fact present."""
    relevant = [v for v in verdicts if v.checks.get("policy_facts_expected") or v.checks.get("contradictions")]
    right = [v for v in relevant if not v.checks.get("contradictions")
             and set(v.checks.get("policy_facts_expected") or []) <= set(v.checks.get("policy_facts_present") or [])]
    return share(len(right), len(relevant))


def summarise(items: list[Item], replies: list[Any], verdicts: list[Verdict], seconds: float) -> dict[str, Any]:
    """The summary `eval --json` prints (model and paths are added by the stage)."""
    refusals = [v for i, v in zip(items, verdicts, strict=True) if i.kind == "refusal"]
    tokens = [r.tokens for r in replies]
    return {
        "n": len(items), **score_shares(verdicts), **escalation(verdicts),
        "hallucination_rate": share(sum(bool(v.checks.get("hallucinations")) for v in verdicts), len(verdicts)),
        "policy_accuracy": policy_accuracy(verdicts),
        "refusal_accuracy": share(sum(v.checks.get("refused") is True for v in refusals), len(refusals)),
        "cut_off": sum(r.cut_off for r in replies),
        "reply_tokens": {"mean": round(sum(tokens) / len(tokens), 1) if tokens else None,
                         "max": max(tokens, default=None)},
        "seconds": round(seconds, 1), "items_per_min": round(len(items) / seconds * 60, 1) if seconds else None,
        "by_category": by_category(items, verdicts), "by_kind": by_group(items, verdicts, "kind"),
        "calibration": calibrate([r.logprob_mean for r in replies], [v.score for v in verdicts]),
        **auto_send([i.id for i in items], [r.logprob_mean for r in replies], [v.score for v in verdicts],
                    [bool(v.checks.get("escalation_predicted")) for v in verdicts]),
    }


def by_category(items: list[Item], verdicts: list[Verdict]) -> dict[str, dict[str, Any]]:
    """Score shares per ticket category."""
    return by_group(items, verdicts, "category")


def by_group(items: list[Item], verdicts: list[Verdict], key: str) -> dict[str, dict[str, Any]]:
    """Count and score shares per value of an item attribute."""
    groups: dict[str, list[Verdict]] = defaultdict(list)
    for item, verdict in zip(items, verdicts, strict=True):
        groups[getattr(item, key) or "-"].append(verdict)
    return {name: {"n": len(vs), **score_shares(vs)} for name, vs in sorted(groups.items())}
