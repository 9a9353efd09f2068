"""The faithfulness check of a model-written thread summary: every sentence must be supported by the thread.

A sentence is supported when (1) every number in it (order ids, amounts, dates, counts) occurs in the thread,
(2) every redaction placeholder (<NAME_1>) and every capitalised name past its first word (products, brands,
months) occurs in the thread, (3) every commitment word (refund, replace, credit, waive ...) occurs in the thread,
and (4) at least `min_support` of its content words (stop words and the summary's own framing words such as
"customer", "wants", "tried" left out; crude stemming) occur in the thread. `fit_min_support` chooses (4)'s
threshold on training threads, never on held-out ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tunedesk.answer.extractive_summary import split_sentences

_LABEL = re.compile(r"^\s*(?:[-*•]\s*)?(?:\d\.\s*)?(?:customer|agent|wants?|tried|promised|open(?: question)?|"
                    r"summary)\s*:\s*", re.IGNORECASE)
_TOKEN = re.compile(r"<[A-Z][A-Z0-9_]*>|[A-Za-z][A-Za-z'’]*|\d+")
_DIGITS = re.compile(r"\d+")
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _words("""
a about above after again all also am an and any are as at be because been before being below between both but by
can could did do does doing done down during each few for from further had has have having he her here hers him his
how i if in into is it its itself just let me more most my no nor not now of off on once only or other our ours out
over own same she should so some such than that the their theirs them then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you your yours yet
please thanks thank hi hello dear get got go going one still""")
FRAMING = _words("""
customer customers agent agents want wants wanted asks asked ask asking tried try trying promised promise open question
questions none nothing summary thread ticket already answered explained said says told confirmed requested request
needs need like know knows wondering whether pending waiting follow awaiting sent gave given provided shared replied
wrote mentioned described reported stated""")
"""Words a summary uses to frame what the thread said: they need no support from the thread."""
PROMISES = _words("""refund replace replacement repair credit voucher discount coupon waive compensate compensation
reimburse exchange cancel upgrade expedite guarantee free gift priority""")
"""Commitment words: a summary may only promise what the thread promised."""
DEFAULT_MIN_SUPPORT = 0.7


@dataclass(frozen=True)
class SentenceCheck:
    """One summary sentence, whether the thread supports it, its support share and what is missing."""

    sentence: str
    supported: bool
    support: float
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape the API and eval write."""
        return {"sentence": self.sentence, "supported": self.supported, "support": round(self.support, 3),
                "problems": self.problems}


@dataclass(frozen=True)
class ThreadFacts:
    """What a thread contains, in the forms the check compares: stemmed words, digit runs, placeholders."""

    words: frozenset[str]
    digits: frozenset[str]
    placeholders: frozenset[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> ThreadFacts:
        """The facts of a thread's message texts."""
        text = "\n".join(texts)
        tokens = [t for t in _TOKEN.findall(text) if t[0].isalpha()]
        return cls(frozenset(stem(t) for t in tokens), frozenset(_DIGITS.findall(_PLACEHOLDER.sub(" ", text))),
                   frozenset(_PLACEHOLDER.findall(text)))


def stem(word: str) -> str:
    """A crude stem: lower case, no possessive, common suffixes cut (enough to match "refunds" with "refunded")."""
    word = word.lower().replace("’", "'")
    word = word[:-2] if word.endswith("'s") else word.rstrip("'")
    for suffix, shortest in (("ing", 6), ("ed", 5), ("es", 5), ("s", 4)):
        if word.endswith(suffix) and len(word) >= shortest and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def sentences_of(summary: str) -> list[str]:
    """The summary's sentences, each without a leading "Wants:" / "Customer:" style label."""
    found = [_LABEL.sub("", part).strip() for part in split_sentences(summary)]
    return [s for s in found if s]


def content_words(sentence: str) -> list[str]:
    """The stemmed words that carry the sentence's content (no stop words, no framing words, three letters up)."""
    words = [t for t in _TOKEN.findall(sentence) if t[0].isalpha()]
    return [stem(w) for w in words
            if len(w) >= 3 and w.lower() not in STOP_WORDS and w.lower() not in FRAMING]


def check_sentence(sentence: str, facts: ThreadFacts, min_support: float = DEFAULT_MIN_SUPPORT) -> SentenceCheck:
    """Whether the thread supports one summary sentence, and why not."""
    numbers = _DIGITS.findall(_PLACEHOLDER.sub(" ", sentence))
    problems = [f"number {d} is not in the thread" for d in numbers if d not in facts.digits]
    problems += [f"{p} is not in the thread" for p in _PLACEHOLDER.findall(sentence) if p not in facts.placeholders]
    problems += [f"name {w!r} is not in the thread" for w in _names(sentence) if stem(w) not in facts.words]
    problems += [f"promise {w!r} is not in the thread" for w in _TOKEN.findall(sentence)
                 if stem(w) in _PROMISE_STEMS and stem(w) not in facts.words]
    words = content_words(sentence)
    support = sum(w in facts.words for w in words) / len(words) if words else 1.0
    if support < min_support:
        problems.append(f"only {support:.0%} of its words are in the thread (serve.summaries.min_support "
                        f"{min_support:g})")
    return SentenceCheck(sentence, not problems, support, problems)


def check_summary(summary: str, thread_texts: Sequence[str],
                  min_support: float = DEFAULT_MIN_SUPPORT) -> list[SentenceCheck]:
    """Every sentence of a summary checked against the thread's messages."""
    facts = ThreadFacts.of(thread_texts)
    return [check_sentence(s, facts, min_support) for s in sentences_of(summary)]


def fit_min_support(supported: Sequence[float], unsupported: Sequence[float]) -> float:
    """The threshold on the support share that best separates sentences known to be supported from sentences
    known not to be (balanced accuracy; the most lenient on ties); the default when either side is empty."""
    if not supported or not unsupported:
        return DEFAULT_MIN_SUPPORT
    best, best_score = DEFAULT_MIN_SUPPORT, -1.0
    for step in range(5, 100, 5):
        threshold = step / 100
        score = (sum(s >= threshold for s in supported) / len(supported)
                 + sum(s < threshold for s in unsupported) / len(unsupported)) / 2
        if score > best_score:
            best, best_score = threshold, score
    return best


def _names(sentence: str) -> list[str]:
    """Capitalised words past the first one that are not framing or stop words: product, brand, month names."""
    words = [t for t in _TOKEN.findall(sentence) if t[0].isalpha()]
    return [w for w in words[1:] if w[0].isupper() and w.lower() not in FRAMING and w.lower() not in STOP_WORDS
            and not (w.isupper() and len(w) <= 1)]


_PROMISE_STEMS = frozenset(stem(w) for w in PROMISES)
