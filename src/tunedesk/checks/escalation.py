"""What must go to a human: escalation rules (keywords, patterns, tags) and the sentiment gate.

One matcher for the whole loop: clean labels historical tickets with it, the server's guardrail uses it live.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache, reduce
from itertools import repeat
from operator import or_
from typing import Final

from tunedesk.config import EscalationConfig
from tunedesk.text import vader_bound
from tunedesk.text.anger import furious
from tunedesk.text.patterns import compile_ci
from tunedesk.text.prefilter import WordGate, word_runs

FURIOUS = "furious_customer"


class _Unseen(Enum):
    """A reply not looked up before (None means: looked up, no handover)."""

    REPLY = 0


_UNSEEN: Final = _Unseen.REPLY
_MAX_CACHED_REPLIES = 16_384


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
        # One lookup per word tells which rules a text can match (most texts need no rule's regular expression)
        # and whether it has a word the sentiment bound starts from.
        self._gate = WordGate([p.literals if p.on_lowered else None for _, p in self.rules], _bound_words()[0])
        self._handovers: dict[str, str | None] = {}  # agent reply → the handover it shows: replies are templates

    def match_text(self, text: str) -> EscalationHit | None:
        """Live use: the first rule matching the text, else the sentiment gate, else None."""
        return self.match_rules(text) or self.match_sentiment(text)

    def match_rules(self, text: str) -> EscalationHit | None:
        """The first keyword/pattern rule matching the text, or None."""
        return self._match_rules(text, self._gate.flags(word_runs(text)))

    def match_sentiment(self, text: str) -> EscalationHit | None:
        """`furious_customer` when the text's sentiment is below the threshold, else None."""
        words = word_runs(text)
        return self._match_sentiment(text, words, self._gate.flags(words))

    def match_history(self, customer_texts: list[str], category: str | None, tags: list[str],
                      final_agent_reply: str) -> EscalationHit | None:
        """A historical ticket: text rules, then its category, sentiment, tags, and an agent handover, in that order."""
        words = [word_runs(t) for t in customer_texts]
        flags = [self._gate.flags(w) for w in words]
        # The rules read the texts joined by newlines, whose word runs are those of the texts: a newline separates
        # runs, and lower-casing maps character by character but for the final sigma, which is no run character.
        if hit := self._match_rules("\n".join(customer_texts), reduce(or_, flags, 0)):
            return hit
        if category and category.lower() in self.categories:
            return EscalationHit(category, "category")
        for text, text_words, text_flags in zip(customer_texts, words, flags, strict=True):
            if hit := self._match_sentiment(text, text_words, text_flags):
                return hit
        for tag in tags:
            if tag.lower() in self.tags:
                return EscalationHit("tagged", tag)
        found = self._handover(final_agent_reply) if final_agent_reply else None
        return EscalationHit("handover", found) if found else None

    def _handover(self, reply: str) -> str | None:
        if (cached := self._handovers.get(reply, _UNSEEN)) is not _UNSEEN:
            return cached
        if len(self._handovers) >= _MAX_CACHED_REPLIES:
            self._handovers.clear()
        found = self.handover.search(reply)
        evidence = self._handovers[reply] = found.group(0) if found else None
        return evidence

    def _match_rules(self, text: str, flags: int, lowered: str | None = None) -> EscalationHit | None:
        # A rule the gate leaves out needs a literal the text lacks, so its search could not match: skipping it
        # keeps the first matching rule, in order, and its match.
        candidates = self._gate.patterns(flags)
        if not candidates:
            return None
        lowered = text.lower() if lowered is None else lowered
        for i, (name, pattern) in enumerate(self.rules):
            if candidates >> i & 1 and (found := pattern.pattern.search(lowered if pattern.on_lowered else text)):
                return EscalationHit(name, found.group(0))
        return None

    def _match_sentiment(self, text: str, words: list[bytes], flags: int) -> EscalationHit | None:
        threshold = self.config.sentiment_threshold
        if threshold is None:
            return None
        if not _could_be_negative(text, words, threshold, flags & 1):
            score = 0.0  # what `sentiment` returns without running VADER
        elif not vader_bound.may_fall_below(text, threshold):
            return None  # VADER's score is at or above the threshold: no hit, as with `sentiment`
        else:
            score = vader_bound.compound(text)
        if not furious(score, text, threshold, self.config.sentiment_calm_threshold):
            return None
        return EscalationHit(FURIOUS, f"sentiment {score:.2f} < {threshold}")


def sentiment(text: str, threshold: float = -0.5) -> float:
    """VADER compound sentiment (−1..1); 0.0 without running VADER when it cannot fall below `threshold`."""
    if not could_be_negative(text, threshold):
        return 0.0
    return vader_bound.compound(text)


def could_be_negative(text: str, threshold: float = -0.5) -> bool:
    """A conservative bound: False only when VADER's compound score cannot fall below `threshold` (< 0).

    VADER's compound is s/sqrt(s²+15), so reaching `threshold` needs a valence sum of at least
    |t|·sqrt(15/(1−t²)) in magnitude (2.90 at −0.6). The bound adds every negative word, negated positive words
    (×0.74), boosters (+0.293 each), capitalised words (+0.733 each), the "but" rule (×1.5) and punctuation
    emphasis, and VADER (about 70 µs a text) runs only when that bound can reach the threshold. The tests check
    the bound against VADER itself on real support text.
    """
    words = word_runs(text)
    return _could_be_negative(text, words, threshold, not _bound_words()[0].isdisjoint(words))


def _could_be_negative(text: str, words: list[bytes], threshold: float, marked: int | bool) -> bool:
    """`could_be_negative` on the text's word runs; `marked`: whether one is a negative word or a negation."""
    needed = _needed(threshold)
    if not marked:  # no negative word and no negation: the sum below is 0 and the bound returns False
        return False
    _, negative, positive, negations, boosters = _bound_words()
    # sum() over every word with 0.0 for the others adds the same values in the same order: x + 0.0 == x.
    mass = -sum(map(negative.get, words, repeat(0.0)))
    has_negation = not negations.isdisjoint(words)
    if mass == 0.0 and not has_negation:
        return False
    if has_negation:
        mass += 0.74 * sum(map(positive.get, words, repeat(0.0)))
    # A shouted word has three capitals in a row: without any, findall finds nothing (a cheap charset scan).
    shouted = len(_SHOUT.findall(text)) if _CAPITALS.search(text) else 0
    mass += 0.293 * sum(map(boosters.__contains__, words)) + 0.733 * shouted
    if b"but" in words:
        mass *= 1.5
    mass += 0.292 * min(text.count("!"), 4) + 0.96
    return mass >= needed


_SHOUT = re.compile(r"\b[A-Z]{3,}\b")
_CAPITALS = re.compile(r"[A-Z]{3}")


@lru_cache(maxsize=8)
def _needed(threshold: float) -> float:
    """The valence sum VADER needs to reach `threshold` (raises, as before, at ±1)."""
    return abs(threshold) * (15 / (1 - threshold * threshold)) ** 0.5


@lru_cache(maxsize=1)
def _bound_words() -> tuple[frozenset[bytes], dict[bytes, float], dict[bytes, float], frozenset[bytes],
                            frozenset[bytes]]:
    """`could_be_negative`'s tables, keyed like word runs: the negative words and negations (any of which starts
    the bound), negative and positive lexicon values, negations, boosters."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE

    def ascii_keys(words: Iterable[str]) -> Iterator[str]:  # a run is ASCII: other keys can never equal one
        return (w for w in words if w.isascii())

    lexicon = vader_bound.analyzer().lexicon
    negative = {w.encode(): v for w in ascii_keys(lexicon) if (v := lexicon[w]) < 0}
    positive = {w.encode(): v for w in ascii_keys(lexicon) if (v := lexicon[w]) > 0}
    negations = frozenset(n.lower().encode() for n in ascii_keys(NEGATE))
    boosters = frozenset(b.encode() for b in ascii_keys(BOOSTER_DICT))
    return frozenset(negative) | negations, negative, positive, negations, boosters
