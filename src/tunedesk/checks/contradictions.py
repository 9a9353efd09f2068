"""Historical answers that contradict a current policy fact: "you have 14 days to return" when the policy says 30.

Each fact in policies.yaml carries regexes whose first group captures a value claimed in an answer; the claim is
compared with the current value by the fact's kind. Opening hours are also contradicted in words no pattern
captures: "our support team is available 24/7" where support is open Monday to Friday, 9 am to 6 pm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tunedesk.config.policies import Fact, Policies
from tunedesk.text.patterns import compile_ci
from tunedesk.text.sentences import sentences

_NUMBER_WORDS = {"a single": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "fourteen": 14, "thirty": 30, "sixty": 60, "ninety": 90}
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_TIME_RANGE = re.compile(r"\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?\s*(?:-|–|to)\s*\d{1,2}(?::\d\d)?\s*[ap]\.?m\b",
                         re.IGNORECASE)
_ROUND_THE_CLOCK = re.compile(
    r"\b24\s*/\s*7\b(?:\s*/\s*365)?|\b24 hours a day\b|\b24 hours,? (?:a day,? )?(?:7|seven) days a week\b"
    r"|\b(?:a)?round[- ]the[- ]clock\b|\bat any (?:time|hour) of (?:the )?(?:day|night)\b|\bday (?:and|or) night\b",
    re.IGNORECASE)
"""Claims of being open at all hours. "Within 24 hours" and "feel free to write any time" are not among them."""
_PRONOUN_START = re.compile(r"^(?:they|it|we|she|he|this team|the team)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z]+")
_NOT_SUBJECTS = frozenset((
    "a", "an", "the", "to", "of", "and", "or", "in", "on", "at", "for", "with", "from", "by", "is", "are", "be",
    "our", "your", "we", "you", "it", "its", "they", "open", "opens", "closed", "available", "hours", "hour", "day",
    "days", "week", "weeks", "am", "pm", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "weekdays", "weekends", "eastern", "pacific", "central", "time", "local", "through", "until", "every",
    "within", "one", "business", "between", "except", "holidays", "s", "customer", "customers"))
"""Words of an hours fact's sentence that say when, not what: the rest name what keeps those hours."""


@dataclass(frozen=True)
class Contradiction:
    """One claimed value that differs from the current policy."""

    fact: str
    claimed: str
    current: str
    evidence: str


class PolicyChecker:
    """Finds claims about policy facts in a reply and the ones that contradict the current values."""

    def __init__(self, policies: Policies) -> None:
        self.facts = [(key, fact, [compile_ci([p]) for p in fact.patterns])
                      for key, fact in policies.facts.items() if fact.patterns]
        self.hours = [(key, fact, subjects) for key, fact in policies.facts.items()
                      if _TIME_RANGE.search(str(fact.value))
                      and not _ROUND_THE_CLOCK.search(f"{fact.value} {fact.text}")
                      and (subjects := _subjects(fact.text))]

    def claims(self, reply: str) -> list[tuple[str, Fact, str, str]]:
        """(fact key, fact, claimed value, evidence) for every claim the reply makes."""
        found = []
        lowered = reply.lower()
        for key, fact, patterns in self.facts:
            for pattern in patterns:
                text = lowered if pattern.on_lowered else reply
                for match in pattern.pattern.finditer(text):
                    claimed = next((g for g in match.groups() if g), None)
                    if claimed:
                        found.append((key, fact, claimed, match.group(0)))
        return found

    def contradictions(self, reply: str) -> list[Contradiction]:
        """The claims whose value differs from the current policy."""
        out = []
        seen = set()
        for key, fact, claimed, evidence in self.claims(reply):
            if same_value(fact, claimed) or (key, claimed.lower()) in seen:
                continue
            seen.add((key, claimed.lower()))
            out.append(Contradiction(key, claimed, str(fact.value), evidence))
        found = {c.fact for c in out}
        return out + [c for c in self.round_the_clock(reply) if c.fact not in found]

    def round_the_clock(self, reply: str) -> list[Contradiction]:
        """Claims of being open at all hours about something an hours fact keeps to set hours: the claim's sentence
        (with the one before it when it opens with "they" or "it") names what the fact's sentence names."""
        out: dict[str, Contradiction] = {}
        said = sentences(reply)
        for i, sentence in enumerate(said):
            claim = _ROUND_THE_CLOCK.search(sentence)
            if not claim:
                continue
            window = f"{said[i - 1]} {sentence}" if i and _PRONOUN_START.match(sentence) else sentence
            named = set(_WORD.findall(window.lower()))
            for key, fact, subjects in self.hours:
                if subjects & named:
                    out.setdefault(key, Contradiction(key, claim.group(0), str(fact.value), sentence))
        return list(out.values())


def same_value(fact: Fact, claimed: str) -> bool:
    """Whether a claimed value agrees with the fact's current value, compared by the fact's kind."""
    if fact.kind in ("number", "money"):
        return _number(claimed) == _number(str(fact.value))
    if fact.kind == "phone":
        return _DIGITS.findall(claimed)[-3:] == _DIGITS.findall(str(fact.value))[-3:]
    if fact.kind == "hours":
        return _hours(claimed) == _hours(str(fact.value))
    return _text(claimed) == _text(str(fact.value))


def _subjects(text: str) -> set[str]:
    """What an hours fact's sentence says keeps those hours ("customer support", "our store"), not when."""
    return set(_WORD.findall(text.lower())) - _NOT_SUBJECTS


def _number(text: str) -> float | None:
    cleaned = text.strip().lower().replace(",", "").replace("$", "")
    if cleaned in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[cleaned])
    try:
        return float(cleaned)
    except ValueError:
        return None


def _hours(text: str) -> str:
    cleaned = text.lower().replace(".", "").replace("–", "-").replace(" to ", "-").replace(":00", "")
    return _SPACE.sub("", cleaned)


def _text(text: str) -> str:
    lowered = _SPACE.sub(" ", text.strip().lower()).replace("-", " ")
    return str(int(_NUMBER_WORDS[lowered])) if lowered in _NUMBER_WORDS else lowered
