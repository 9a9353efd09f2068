"""What must go to a human: escalation rules (keywords, patterns, tags) and the sentiment gate.

One matcher for the whole loop: clean labels historical tickets with it, the server's guardrail uses it live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tunedesk.config import EscalationConfig
from tunedesk.text.patterns import compile_ci

FURIOUS = "furious_customer"
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class EscalationHit:
    """Why a text escalates: the rule name and the text that triggered it."""

    rule: str
    evidence: str


class EscalationMatcher:
    """Applies the configured escalation rules, in order, to customer text (and, for history, to ticket labels)."""

    def __init__(self, config: EscalationConfig) -> None:
        self.config = config
        self.rules = [(r.name, compile_ci(r.patterns, r.keywords)) for r in config.rules if r.patterns or r.keywords]
        self.categories = {c.lower() for c in config.categories}
        self.tags = {t.lower() for t in config.tags}
        self.handover = compile_ci(config.handover_patterns)

    def match_text(self, text: str) -> EscalationHit | None:
        """Live use: the first rule matching the text, else the sentiment gate, else None."""
        return self.match_rules(text) or self.match_sentiment(text)

    def match_rules(self, text: str) -> EscalationHit | None:
        """The first keyword/pattern rule matching the text, or None."""
        lowered = text.lower()
        for name, pattern in self.rules:
            found = pattern.search(text, lowered)
            if found:
                return EscalationHit(name, found.group(0))
        return None

    def match_sentiment(self, text: str) -> EscalationHit | None:
        """`furious_customer` when the text's sentiment is below the threshold, else None."""
        threshold = self.config.sentiment_threshold
        if threshold is None:
            return None
        score = sentiment(text, threshold)
        return EscalationHit(FURIOUS, f"sentiment {score:.2f} < {threshold}") if score < threshold else None

    def match_history(self, customer_texts: list[str], category: str | None, tags: list[str],
                      final_agent_reply: str) -> EscalationHit | None:
        """A historical ticket: text rules, then its category, sentiment, tags, and an agent handover, in that order."""
        if hit := self.match_rules("\n".join(customer_texts)):
            return hit
        if category and category.lower() in self.categories:
            return EscalationHit(category, "category")
        for text in customer_texts:
            if hit := self.match_sentiment(text):
                return hit
        for tag in tags:
            if tag.lower() in self.tags:
                return EscalationHit("tagged", tag)
        found = self.handover.search(final_agent_reply) if final_agent_reply else None
        return EscalationHit("handover", found.group(0)) if found else None


def sentiment(text: str, threshold: float = -0.5) -> float:
    """VADER compound sentiment (−1..1); 0.0 without running VADER when it cannot fall below `threshold`."""
    if not could_be_negative(text, threshold):
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


def could_be_negative(text: str, threshold: float = -0.5) -> bool:
    """A conservative bound: False only when VADER's compound score cannot fall below `threshold` (< 0).

    VADER's compound is s/sqrt(s²+15), so reaching `threshold` needs a valence sum of at least
    |t|·sqrt(15/(1−t²)) in magnitude (2.90 at −0.6). The bound adds every negative word, negated positive words
    (×0.74), boosters (+0.293 each), capitalised words (+0.733 each), the "but" rule (×1.5) and punctuation
    emphasis, and VADER (about 70 µs a text) runs only when that bound can reach the threshold. The tests check
    the bound against VADER itself on real support text.
    """
    needed = abs(threshold) * (15 / (1 - threshold * threshold)) ** 0.5
    lowered = text.lower()
    words = _WORD.findall(lowered)
    lexicon = _analyzer().lexicon
    mass = -sum(v for w in words if (v := lexicon.get(w, 0.0)) < 0)
    if mass == 0.0 and not _negations().intersection(words):
        return False
    if _negations().intersection(words):
        mass += 0.74 * sum(v for w in words if (v := lexicon.get(w, 0.0)) > 0)
    mass += 0.293 * sum(1 for w in words if w in _boosters()) + 0.733 * len(_SHOUT.findall(text))
    if "but" in words:
        mass *= 1.5
    mass += 0.292 * min(text.count("!"), 4) + 0.96
    return mass >= needed


_SHOUT = re.compile(r"\b[A-Z]{3,}\b")


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _boosters() -> frozenset[str]:
    from vaderSentiment.vaderSentiment import BOOSTER_DICT

    return frozenset(BOOSTER_DICT)


@lru_cache(maxsize=1)
def _negations() -> frozenset[str]:
    from vaderSentiment.vaderSentiment import NEGATE

    return frozenset(n.lower() for n in NEGATE)
