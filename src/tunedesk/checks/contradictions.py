"""Historical answers that contradict a current policy fact: "you have 14 days to return" when the policy says 30.

Each fact in policies.yaml carries regexes whose first group captures a value claimed in an answer; the claim is
compared with the current value by the fact's kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tunedesk.config.policies import Fact, Policies
from tunedesk.text.patterns import compile_ci

_NUMBER_WORDS = {"a single": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "fourteen": 14, "thirty": 30, "sixty": 60, "ninety": 90}
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


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
        return out


def same_value(fact: Fact, claimed: str) -> bool:
    """Whether a claimed value agrees with the fact's current value, compared by the fact's kind."""
    if fact.kind in ("number", "money"):
        return _number(claimed) == _number(str(fact.value))
    if fact.kind == "phone":
        return _DIGITS.findall(claimed)[-3:] == _DIGITS.findall(str(fact.value))[-3:]
    if fact.kind == "hours":
        return _hours(claimed) == _hours(str(fact.value))
    return _text(claimed) == _text(str(fact.value))


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
