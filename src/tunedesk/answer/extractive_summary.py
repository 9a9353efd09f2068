"""The extractive thread summary for the agent taking a ticket over, and the fallback of a model-written one:
every sentence is the customer's or the agent's own words (faithful by construction), picked for what an agent
needs first — the problem, the facts (order numbers, amounts, dates), what was already said, and where things
stand now — within a word budget."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_FACT = re.compile(r"#?\b[A-Z]{0,4}-?\d{4,}\b|[$€£]\s?\d|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|"
                   r"aug|sep|oct|nov|dec)|\b(?:yesterday|today|last week|days? ago)\b", re.IGNORECASE)
_FILLER = re.compile(r"^(hi|hello|hey|dear|thanks|thank you|best|regards|cheers|kind regards)\b[^.!?]{0,30}[.!?,]?$",
                     re.IGNORECASE)


@dataclass
class Summary:
    """The summary and how long it is."""

    text: str
    words: int


def summarise(messages: list[dict[str, str]], max_words: int = 100) -> Summary:
    """An extractive summary of a thread (OpenAI roles) in at most `max_words` words."""
    labelled = [(m["role"], s) for m in messages for s in _sentences(m.get("content", ""))]
    if not labelled:
        return Summary("", 0)
    picked = _pick(labelled)
    lines, used = [], 0
    for index in sorted(picked, key=lambda i: picked[i]):
        role, sentence = labelled[index]
        words = sentence.split()
        if used + len(words) + 1 > max_words:  # +1: the "Customer:" / "Agent:" label
            continue
        lines.append((index, f"{'Customer' if role == 'user' else 'Agent'}: {sentence}"))
        used += len(words) + 1
    text = " ".join(line for _, line in sorted(lines))
    return Summary(text, len(text.split()))


def split_sentences(text: str) -> list[str]:
    """The text's sentences (and lines), stripped, none empty."""
    return [p.strip() for p in _SENTENCE.split(text or "") if p and p.strip()]


def _sentences(text: str) -> list[str]:
    return [p for p in split_sentences(text) if not _FILLER.match(p) and not p.startswith(">")]


def _pick(labelled: list[tuple[str, str]]) -> dict[int, int]:
    """Sentence index → priority (lower first): the opening problem, facts, the latest customer message, the
    agent's last answer, then everything else in order."""
    customer = [i for i, (role, _) in enumerate(labelled) if role == "user"]
    agent = [i for i, (role, _) in enumerate(labelled) if role == "assistant"]
    priority: dict[int, int] = {}
    for rank, index in enumerate(customer[:2]):
        priority.setdefault(index, rank)
    for index, (_, sentence) in enumerate(labelled):
        if _FACT.search(sentence):
            priority.setdefault(index, 10 + index)
    if customer:
        priority.setdefault(customer[-1], 5)
    if agent:
        priority.setdefault(agent[-1], 8)
    for index in range(len(labelled)):
        priority.setdefault(index, 100 + index)
    return priority
