"""The risks the brief finds in the data: thin categories, answers contradicting the policies, PII density, the share
of escalations, duplicates and held-out replies with a near-twin in training. Each with a level and its figure."""

from __future__ import annotations

from typing import Any

THIN_CATEGORY = 30
"""A category with fewer kept tickets than this is too thin to learn from and to measure on held-out tickets."""
HIGH_PII_PER_TICKET = 1.0
"""Redactions per ticket above which PII is dense: the redaction review deserves a person's full read."""
HIGH_ESCALATION_SHARE = 0.30
"""Share of kept tickets that must go to a human above which the model's reach is limited."""
HIGH_DUPLICATE_SHARE = 0.10
"""Share of tickets dropped as duplicates or near-duplicates above which templates dominate the corpus."""
HIGH_TWIN_SHARE = 0.30
"""Share of held-out replies with a near-twin in training above which the nearest past reply is a hard baseline."""


def data_risks(inv: dict[str, Any]) -> list[dict[str, Any]]:
    """Every risk the inventory shows, highest first; empty parts of the inventory are skipped, not guessed."""
    funnel, card = inv.get("funnel") or {}, inv.get("card") or {}
    found = [*_thin(funnel), *_contradictions(card), *_pii(funnel), *_escalations(funnel), *_duplicates(funnel),
             *_twins(card)]
    order = {"high": 0, "medium": 1, "low": 2}
    return sorted(found, key=lambda r: order[r["level"]])


def _risk(name: str, level: str, figure: str, detail: str) -> dict[str, Any]:
    return {"risk": name, "level": level, "figure": figure, "detail": detail}


def _thin(funnel: dict[str, Any]) -> list[dict[str, Any]]:
    by_category = funnel.get("by_category") or {}
    thin = {c: int(v.get("kept", 0)) for c, v in by_category.items() if int(v.get("kept", 0)) < THIN_CATEGORY}
    if not by_category:
        return []
    if not thin:
        return [_risk("thin categories", "low", "none", f"every category has {THIN_CATEGORY} or more kept tickets")]
    level = "high" if len(thin) * 2 >= len(by_category) else "medium"
    listed = ", ".join(f"{c} {n}" for c, n in sorted(thin.items(), key=lambda kv: kv[1]))
    return [_risk("thin categories", level, f"{len(thin)} of {len(by_category)}",
                  f"fewer than {THIN_CATEGORY} kept tickets: {listed}; add tickets or merge categories, and read "
                  "their held-out scores as anecdotes")]


def _contradictions(card: dict[str, Any]) -> list[dict[str, Any]]:
    if not card:
        return []
    n = int(card.get("contradictions") or 0)
    if not n:
        return [_risk("answers contradicting the policies", "low", "0", "no historical answer contradicts a "
                      "current policy fact")]
    claims = card.get("contradicting_claims") or {}
    listed = "; ".join(f"{fact}: " + ", ".join(f"{v} ×{k}" for v, k in values.items())
                       for fact, values in claims.items())
    action = "dropped" if card.get("contradiction_action") == "drop" else "kept and flagged"
    kept = sum((card.get("examples") or {}).values()) or 1
    level = "high" if n / kept > 0.05 else "medium"
    return [_risk("answers contradicting the policies", level, f"{n}, {action}",
                  f"historical answers claim other values than today's policies ({listed}); a model trained on "
                  "them would repeat old policy")]


def _pii(funnel: dict[str, Any]) -> list[dict[str, Any]]:
    tickets = int(funnel.get("in") or 0)
    if not tickets:
        return []
    redactions = funnel.get("redactions") or {}
    total = sum(redactions.values())
    per_ticket = total / tickets
    share = int(funnel.get("tickets_redacted") or 0) / tickets
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(redactions.items(), key=lambda kv: -kv[1]))
    level = "high" if per_ticket > HIGH_PII_PER_TICKET else "medium" if total else "low"
    return [_risk("PII density", level, f"{per_ticket:.2f} per ticket",
                  f"{total:,} redactions in {share:.0%} of tickets ({kinds or 'none'}); review "
                  "reports/redaction_review.html before anything leaves the workspace")]


def _escalations(funnel: dict[str, Any]) -> list[dict[str, Any]]:
    kept = int(funnel.get("kept") or 0)
    if not kept:
        return []
    escalations = funnel.get("escalations") or {}
    share = sum(escalations.values()) / kept
    level = "high" if share > HIGH_ESCALATION_SHARE else "low"
    return [_risk("share of escalations", level, f"{share:.0%} of kept",
                  f"{sum(escalations.values()):,} kept tickets go to a human "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(escalations.items(), key=lambda kv: -kv[1]))}); "
                  "the model answers the rest")]


def _duplicates(funnel: dict[str, Any]) -> list[dict[str, Any]]:
    tickets = int(funnel.get("in") or 0)
    if not tickets:
        return []
    dropped = funnel.get("dropped") or {}
    n = int(dropped.get("duplicate", 0)) + int(dropped.get("near_duplicate", 0))
    share = n / tickets
    level = "medium" if share > HIGH_DUPLICATE_SHARE else "low"
    return [_risk("duplicates", level, f"{share:.0%} of tickets",
                  f"{n:,} tickets dropped as duplicates or near-duplicates (templated replies, re-sent messages)")]


def _twins(card: dict[str, Any]) -> list[dict[str, Any]]:
    share = card.get("near_twin_share") if card else None
    if share is None:
        return []
    level = "medium" if share > HIGH_TWIN_SHARE else "low"
    return [_risk("near-twins of held-out replies", level, f"{share:.0%}",
                  "held-out replies with a near-identical training reply: the nearest past reply (retrieval "
                  "baseline) scores well there, so a fine-tuned model must earn its margin elsewhere")]
