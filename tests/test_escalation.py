"""Escalation rules and the sentiment gate."""

from __future__ import annotations

import csv
import random
import re
from typing import Any

import pytest

from tunedesk.checks.escalation import EscalationHit, EscalationMatcher, could_be_negative, sentiment
from tunedesk.config import EscalationConfig, EscalationRule
from tunedesk.example import generate_tickets
from tunedesk.text.anger import anger_signals
from tunedesk.text.prefilter import word_runs

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


def _rule(hit: EscalationHit | None) -> str | None:
    """The rule that fired, or None when the text does not escalate."""
    return hit.rule if hit else None


@pytest.mark.parametrize(("text", "rule"), CASES)
def test_default_rules(text: str, rule: str | None) -> None:
    assert _rule(EscalationMatcher(EscalationConfig()).match_text(text)) == rule


def test_custom_rule_and_tags() -> None:
    config = EscalationConfig(rules=[EscalationRule(name="press", keywords=["journalist"])], tags=["vip_escalate"])
    matcher = EscalationMatcher(config)
    assert _rule(matcher.match_text("I am a journalist writing about you")) == "press"
    assert _rule(matcher.match_history(["hello"], None, ["web", "VIP_ESCALATE"], "")) == "tagged"
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
    assert _rule(m.match_history([lawyer], "complaints", ["escalated"], "")) == "legal_threat"
    assert _rule(m.match_history([furious], "complaints", ["escalated"], "")) == "complaints"
    assert _rule(m.match_history([furious], "shipping", ["escalated"], "")) == "furious_customer"
    assert _rule(m.match_history(["where is my order"], "shipping", ["escalated"], "")) == "tagged"
    reply = "Hi Ana, I've passed this to our returns team, who will contact you within 1 business day."
    assert _rule(m.match_history(["where is my order"], "shipping", [], reply)) == "handover"
    assert m.match_history(["where is my order"], "shipping", [], "It ships tomorrow.") is None


# --- the fast paths against what they replace ------------------------------------------------------------------------

_OLD_WORD = re.compile(r"[a-z']+")


def _reference_could_be_negative(text: str, threshold: float) -> bool:
    """could_be_negative as first written: words by regular expression, every sum over a generator."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE

    lexicon = _vader().lexicon
    negations = {n.lower() for n in NEGATE}
    needed = abs(threshold) * (15 / (1 - threshold * threshold)) ** 0.5
    words = _OLD_WORD.findall(text.lower())
    mass = -sum(v for w in words if (v := lexicon.get(w, 0.0)) < 0)
    if mass == 0.0 and not negations.intersection(words):
        return False
    if negations.intersection(words):
        mass += 0.74 * sum(v for w in words if (v := lexicon.get(w, 0.0)) > 0)
    mass += 0.293 * sum(1 for w in words if w in BOOSTER_DICT) + 0.733 * len(re.findall(r"\b[A-Z]{3,}\b", text))
    if "but" in words:
        mass *= 1.5
    mass += 0.292 * min(text.count("!"), 4) + 0.96
    return mass >= needed


def _vader() -> Any:
    from tunedesk.text.vader_bound import analyzer

    return analyzer()


def _reference_match_history(m: EscalationMatcher, texts: list[str], category: str | None, tags: list[str],
                             reply: str) -> EscalationHit | None:
    """match_history without prefilters: every rule's regular expression, the old bound, then VADER."""
    joined = "\n".join(texts)
    for name, ci in m.rules:
        if found := ci.pattern.search(joined.lower() if ci.on_lowered else joined):
            return EscalationHit(name, found.group(0))
    if category and category.lower() in m.categories:
        return EscalationHit(category, "category")
    threshold = m.config.sentiment_threshold
    for text in texts:
        if threshold is None:
            break
        score = _vader().polarity_scores(text)["compound"] if _reference_could_be_negative(text, threshold) else 0.0
        if score < threshold and (score < m.config.sentiment_calm_threshold or anger_signals(text)):
            return EscalationHit("furious_customer", f"sentiment {score:.2f} < {threshold}")
    for tag in tags:
        if tag.lower() in m.tags:
            return EscalationHit("tagged", tag)
    found = m.handover.pattern.search(reply.lower()) if reply else None
    return EscalationHit("handover", found.group(0)) if found else None


_ADVERSARIAL = [
    "REFUND", "refund's", "Refunds", "money-back", "money back", "even though", "past", "30 days", "window",
    "charge-back", "Chargeback!", "dispute", "disputing", "the charge", "my bank", "call", "calling", "PayPal",
    "l'awyer", "lawyer's", "LAWYER", "suing", "sue you", "BBB", "gdpr", "GDPR", "deletion request", "delete",
    "my data", "from your records", "what information do you hold", "cancel", "cancelled", "CANCELLING", "order",
    "bug", "debug", "log in", "login", "crash", "keeps logging me out", "won't load", "doesn't work", "app",
    "passed", "forwarded", "to our", "team", "specialists", "éorder", "refundé", "ΣΑΣ", "İ", "\u212aind",
    "not", "no", "never", "so", "this", "least", "barely", "very", "kind of", "but", "BUT", "horrible", "WORST",
    "furious", "disgusted", "great", "good", "happy", "love", "thanks", "sorry", ":(", ":-(", "!!!", "??", "?!",
    "😡", "😀", "💔", "yeah right", "broken heart", "the bomb", "sort of", "without doubt", "at least", "nor", "or",
    "VERY", "EXTREMELY", "Totally", "barely", "slightly", "hardly", "backed", "commits", "backs",
]


def _adversarial_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice([" ", " ", "\n", ", ", ". "]).join(rng.choice(_ADVERSARIAL) for _ in range(rng.randint(1, 14)))
            for _ in range(count)]


def _example_histories() -> list[tuple[list[str], str | None, list[str], str]]:
    tickets, _, _ = generate_tickets(400, seed=9)
    out = []
    for t in tickets:
        authors = [c["author_id"] == t["requester_id"] for c in t["comments"]]
        customer = [c["body"] for c, mine in zip(t["comments"], authors, strict=True) if mine]
        agent = [c["body"] for c, mine in zip(t["comments"], authors, strict=True) if not mine]
        out.append((customer, t["custom_fields"][0]["value"], t["tags"], agent[-1] if agent else ""))
    return out


@pytest.mark.parametrize("threshold", [-0.6, -0.2, 0.3, None])
def test_match_history_equals_the_unfiltered_rules_and_vader(threshold: float | None) -> None:
    config = EscalationConfig(categories=["complaints"], sentiment_threshold=threshold)
    m = EscalationMatcher(config)
    cases = _example_histories()
    texts = _adversarial_texts(1500, seed=int((threshold or 0) * 10) + 20)
    cases += [([a, b], None, [], c) for a, b, c in zip(texts[::3], texts[1::3], texts[2::3], strict=True)]
    cases += [([t], "Complaints", ["x"], "") for t in texts[:200]]
    hits = set()
    for texts_, category, tags, reply in cases:
        hit = m.match_history(texts_, category, tags, reply)
        assert hit == _reference_match_history(m, texts_, category, tags, reply), texts_
        hits.add(hit.rule if hit else None)
    assert {"refund_exception", "chargeback", "legal_threat", "gdpr_deletion", "bug_report", "handover"} <= hits
    assert ("furious_customer" in hits) == (threshold is not None)


def test_could_be_negative_equals_its_first_form(shared_data) -> None:
    texts = _adversarial_texts(3000, seed=4)
    with open(shared_data / "banking77" / "train.csv", encoding="utf-8") as fh:
        texts += [row["text"] for row in csv.DictReader(fh)][::4]
    for threshold in (-0.6, -0.3, -0.9):
        assert [could_be_negative(t, threshold) for t in texts] == [
            _reference_could_be_negative(t, threshold) for t in texts]


def test_vader_bound_never_hides_a_score_below_the_threshold(shared_data) -> None:
    """may_fall_below must say yes whenever VADER's score is below the threshold, even just below it."""
    from tunedesk.text import vader_bound

    real = []
    for twcs in (shared_data / "twcs_sample").glob("*.csv"):
        with open(twcs, encoding="utf-8") as fh:
            real += [row["text"] for row in csv.DictReader(fh)]
    bitext = shared_data / "bitext_customer_support" / "bitext_customer_support_2023-08_shared.csv"
    with open(bitext, encoding="utf-8") as fh:
        real += [row["instruction"] for row in csv.DictReader(fh)][::10]
    negative = 0
    for text in real + _adversarial_texts(4000, seed=6):
        score = _vader().polarity_scores(text)["compound"]
        assert vader_bound.compound(text) == score, text
        if -1 < score < 0:
            negative += 1
            assert vader_bound.may_fall_below(text, score + 0.00001), (score, text)
            assert vader_bound.may_fall_below(text, -0.6) or score >= -0.6, (score, text)
    assert negative > 1000
    pruned = sum(not vader_bound.may_fall_below(t, -0.6) for t in real)
    assert pruned > 0.9 * len(real)  # and it does spare VADER most texts


def test_word_gate_keeps_every_rule_that_matches() -> None:
    m = EscalationMatcher(EscalationConfig())
    for text in _adversarial_texts(3000, seed=8):
        lowered = text.lower()
        candidates = m._gate.patterns(m._gate.flags(word_runs(text)))
        for i, (name, ci) in enumerate(m.rules):
            if ci.pattern.search(lowered):
                assert candidates >> i & 1, (name, text)


@pytest.mark.parametrize("text", ["Where's my REFUND?", "naïve café", "\u212aind regards", "İstanbul", "ΣΑΣ o'k",
                                  "a\ud800b", "", "123 !!!", "don't-stop 'quoted'"])
def test_word_runs_are_the_lowered_texts_runs(text: str) -> None:
    assert word_runs(text) == [w.encode() for w in re.findall(r"[a-z']+", text.lower())]


def test_word_gate_learns_the_runs_inside_each_word() -> None:
    m = EscalationMatcher(EscalationConfig())
    gate = m._gate
    words = sorted({w for t in _adversarial_texts(500, seed=12) for w in word_runs(t)} | {b"callings", b"xcallx"})
    gate.flags(words)
    for word in words:
        expected = (1 if word in gate.marked else 0) | sum(b for r, b in gate._run_bits.items() if r in word)
        assert gate._flags[word] == expected, word
