"""Evaluation metrics from the judge's verdicts: score shares, policy, escalation, hallucination, refusal,
per category, lengths and speed. Every rate is a share from 0 to 1; a rate with nothing to count is None."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from tunedesk.answer.calibration import (
    HIGH_PRECISION,
    MEDIUM_PRECISION,
    expected_calibration_error,
    reliability,
    upper_bound,
)
from tunedesk.checks.marker import escalates
from tunedesk.eval.compare import wilson
from tunedesk.eval.judges.base import Item, Verdict
from tunedesk.prompt.precedents import split_prompt

if TYPE_CHECKING:
    from tunedesk.eval.answering import Answer


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


def needless_escalation(items: list[Item], verdicts: list[Verdict]) -> dict[str, Any]:
    """Of the tickets that should not reach a person, the share handed over anyway, for those whose prompt showed a
    past ticket that went to a person and for the others: whether an escalated precedent pulls an answerable ticket
    to a person."""
    counts = {True: [0, 0], False: [0, 0]}
    for item, verdict in zip(items, verdicts, strict=True):
        if verdict.checks.get("escalation_expected"):
            continue
        system = "\n".join(m["content"] for m in item.messages if m["role"] == "system")
        seen = counts[escalates(split_prompt(system)[1])]
        seen[0] += 1
        seen[1] += bool(verdict.checks.get("escalation_predicted"))
    found: dict[str, Any] = {}
    for key, name in ((True, "escalated_precedent"), (False, "other")):
        total, escalated = counts[key]
        found[f"needless_escalation_{name}"] = share(escalated, total)
        found[f"needless_escalation_{name}_n"] = total
    return found


def policy_accuracy(verdicts: list[Verdict]) -> float | None:
    """Among replies that carry policy (the reference states a fact, or the reply claims one): no contradiction and
    every expected fact present."""
    relevant = [v for v in verdicts if v.checks.get("policy_facts_expected") or v.checks.get("contradictions")]
    right = [v for v in relevant if not v.checks.get("contradictions")
             and set(v.checks.get("policy_facts_expected") or []) <= set(v.checks.get("policy_facts_present") or [])]
    return share(len(right), len(relevant))


def summarise(items: list[Item], answers: list[Answer], verdicts: list[Verdict], seconds: float,
              fitted: dict[str, float | None]) -> dict[str, Any]:
    """The summary `eval --json` prints (model, baselines and paths are added by the stage); `fitted` are the
    confidence thresholds fitted on the validation split."""
    refusals = [v for i, v in zip(items, verdicts, strict=True) if i.kind == "refusal"]
    tokens = [a.tokens for a in answers if a.confidence is not None]
    counts = Counter(v.score for v in verdicts)
    return {
        "n": len(items), **score_shares(verdicts),
        **{f"score_{s}_ci": wilson(counts[s], len(verdicts)) for s in (3, 1)}, **escalation(verdicts),
        **needless_escalation(items, verdicts),
        "hallucination_rate": share(sum(bool(v.checks.get("hallucinations")) for v in verdicts), len(verdicts)),
        "policy_accuracy": policy_accuracy(verdicts),
        "refusal_accuracy": share(sum(v.checks.get("refused") is True for v in refusals), len(refusals)),
        "cut_off": sum(a.cut_off for a in answers),
        "reply_tokens": {"mean": round(sum(tokens) / len(tokens), 1) if tokens else None,
                         "max": max(tokens, default=None)},
        "seconds": round(seconds, 1), "items_per_min": round(len(items) / seconds * 60, 1) if seconds else None,
        "by_category": by_category(items, verdicts), "by_kind": by_group(items, verdicts, "kind"),
        "calibration": held_out_calibration(answers, verdicts, fitted),
        **sent_figures(items, answers, verdicts),
    }


def held_out_calibration(answers: list[Answer], verdicts: list[Verdict],
                         fitted: dict[str, float | None]) -> dict[str, Any]:
    """How the server's confidence, with thresholds fitted on the validation split, holds on the held-out set:
    the reliability table and ECE (reported here, never fitted here)."""
    asked = [(a.confidence, v.score == 3) for a, v in zip(answers, verdicts, strict=True) if a.confidence is not None]
    table = reliability([c for c, _ in asked], [ok for _, ok in asked])
    high = fitted.get("high")
    confident = [ok for c, ok in asked if high is not None and c >= high]
    return {"signal": "the server's confidence: exp(mean token log-probability) less the guards' penalties",
            "right_means": "score 3", "fitted_on": "val", "thresholds": fitted, "bins": table,
            "ece": expected_calibration_error(table), "precision_targets": {"high": HIGH_PRECISION,
                                                                             "medium": MEDIUM_PRECISION},
            "high_on_held_out": {"n": len(confident), "score_3": share(sum(confident), len(confident)),
                                 "score_3_ci": wilson(sum(confident), len(confident))}}


def sent_figures(items: list[Item], answers: list[Answer], verdicts: list[Verdict]) -> dict[str, Any]:
    """What reaches the customer without a person in mode auto: the auto-sent replies (how many score 1, and the
    95 % upper bound of that rate), and the brand's refusal sent where a guard refused (how many of those tickets
    were not off topic)."""
    decided = [a.decision for a in answers]
    sent = [v.score for a, v in zip(answers, verdicts, strict=True) if a.decision == "auto_send"]
    refused = [i.kind for i, a in zip(items, answers, strict=True) if a.decision == "refuse"]
    wrong = sum(s == 1 for s in sent)
    return {"auto_sent": len(sent), "auto_sent_share": share(len(sent), len(answers)),
            "auto_sent_wrong": wrong, "auto_sent_wrong_share": share(wrong, len(sent)),
            "auto_sent_wrong_upper": upper_bound(wrong, len(sent)), "auto_sent_score_3": sum(s == 3 for s in sent),
            "guard_refused": len(refused), "guard_refused_on_topic": sum(kind != "refusal" for kind in refused),
            "decisions": {d: decided.count(d) for d in sorted(set(decided))}, "auto_sent_by": "server"}


def by_category(items: list[Item], verdicts: list[Verdict]) -> dict[str, dict[str, Any]]:
    """Score shares per ticket category."""
    return by_group(items, verdicts, "category")


def by_group(items: list[Item], verdicts: list[Verdict], key: str) -> dict[str, dict[str, Any]]:
    """Count and score shares per value of an item attribute."""
    groups: dict[str, list[Verdict]] = defaultdict(list)
    for item, verdict in zip(items, verdicts, strict=True):
        groups[getattr(item, key) or "-"].append(verdict)
    return {name: {"n": len(vs), **score_shares(vs)} for name, vs in sorted(groups.items())}
