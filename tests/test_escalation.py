"""Escalation rules and the sentiment gate."""

from __future__ import annotations

import csv

import pytest

from tunedesk.config import EscalationConfig, EscalationRule
from tunedesk.escalation import EscalationMatcher, could_be_negative, sentiment

CASES = [
    ("I want a refund even though it has been 45 days, past the window", "refund_exception"),
    ("If this isn't fixed I will file a chargeback with my bank", "chargeback"),
    ("My lawyer will be in touch about this", "legal_threat"),
    ("Under GDPR please delete all my data", "gdpr_deletion"),
    ("The checkout page keeps crashing when I try to pay", "bug_report"),
    ("This is the WORST service ever!!! I am absolutely furious, it arrived ripped. Disgusting.", "furious_customer"),
    ("What is your return window for jackets?", None),
    ("Hi, my order has not arrived yet, can you check? Thanks", None),
]


@pytest.mark.parametrize(("text", "rule"), CASES)
def test_default_rules(text: str, rule: str | None) -> None:
    hit = EscalationMatcher(EscalationConfig()).match_text(text)
    assert (hit.rule if hit else None) == rule


def test_custom_rule_and_tags() -> None:
    config = EscalationConfig(rules=[EscalationRule(name="press", keywords=["journalist"])], tags=["vip_escalate"])
    matcher = EscalationMatcher(config)
    assert matcher.match_text("I am a journalist writing about you").rule == "press"
    assert matcher.match_history(["hello"], None, ["web", "VIP_ESCALATE"], "").rule == "tagged"
    assert matcher.match_history(["hello"], None, ["web"], "") is None


def test_sentiment_gate_can_be_disabled() -> None:
    matcher = EscalationMatcher(EscalationConfig(rules=[], sentiment_threshold=None))
    assert matcher.match_text("This is the WORST, I am furious and disgusted!!!") is None


def test_prefilter_never_hides_a_negative_text(shared_data) -> None:
    """The cheap bound must never skip a text that VADER scores below the gate on real support text."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    texts = []
    bitext = shared_data / "bitext_customer_support" / "bitext_customer_support_2023-08_shared.csv"
    with open(bitext, encoding="utf-8") as fh:
        texts += [row["instruction"] for row in csv.DictReader(fh)]
    with open(shared_data / "banking77" / "train.csv", encoding="utf-8") as fh:
        texts += [row["text"] for row in csv.DictReader(fh)]
    missed = [t for t in texts if analyzer.polarity_scores(t)["compound"] < -0.6 and not could_be_negative(t)]
    assert missed == []
    assert sum(could_be_negative(t) for t in texts) < len(texts) * 0.3  # and it does skip most of them


def test_sentiment_of_neutral_text_is_zero_without_vader() -> None:
    assert sentiment("What time do you open on Saturday?") == 0.0


def test_history_priority_text_then_category_then_sentiment_tags_handover() -> None:
    config = EscalationConfig(categories=["complaints"], tags=["escalated"])
    m = EscalationMatcher(config)
    furious = "This is the WORST, I am furious and disgusted!!! Horrible."
    lawyer = "I will call my lawyer. " + furious
    assert m.match_history([lawyer], "complaints", ["escalated"], "").rule == "legal_threat"
    assert m.match_history([furious], "complaints", ["escalated"], "").rule == "complaints"
    assert m.match_history([furious], "shipping", ["escalated"], "").rule == "furious_customer"
    assert m.match_history(["where is my order"], "shipping", ["escalated"], "").rule == "tagged"
    reply = "Hi Ana, I've passed this to our returns team, who will contact you within 1 business day."
    assert m.match_history(["where is my order"], "shipping", [], reply).rule == "handover"
    assert m.match_history(["where is my order"], "shipping", [], "It ships tomorrow.") is None
