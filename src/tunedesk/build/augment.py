"""Surface rewording of customers' messages for training examples: greetings, closings, contractions, casing
and a typo — the variation real customers bring, without changing what they ask. Never used for validation or
held-out examples.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from tunedesk.records import ChatTurn, Example

_GREETINGS = ["Hi,", "Hello,", "Hey there,", "Hi team,", "Good morning,", ""]
_CLOSINGS = ["Thanks!", "Thank you.", "Cheers", "Thanks in advance.", ""]
_LEADING_GREETING = re.compile(r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n]{0,30}?[,!.]?\s*\n+",
                               re.IGNORECASE)
_TRAILING_CLOSING = re.compile(r"\n*\s*(?:thanks|thank you|cheers|regards)[^\n]{0,30}$", re.IGNORECASE)
_CONTRACTIONS = [("do not", "don't"), ("I am", "I'm"), ("cannot", "can't"), ("it is", "it's"), ("I have", "I've"),
                 ("does not", "doesn't"), ("is not", "isn't"), ("I would", "I'd")]


def swap_greeting(text: str, rng: random.Random) -> str:
    """Replace, add or remove the opening greeting."""
    body = _LEADING_GREETING.sub("", text, count=1)
    greeting = rng.choice(_GREETINGS)
    return f"{greeting}\n\n{body}" if greeting else body


def swap_closing(text: str, rng: random.Random) -> str:
    """Replace, add or remove the closing thanks."""
    body = _TRAILING_CLOSING.sub("", text).rstrip()
    closing = rng.choice(_CLOSINGS)
    return f"{body} {closing}" if closing else body


def toggle_contractions(text: str, rng: random.Random) -> str:
    """Contract the long forms, or expand the short ones."""
    pairs = _CONTRACTIONS if rng.random() < 0.5 else [(b, a) for a, b in _CONTRACTIONS]
    for old, new in pairs:
        text = re.sub(rf"\b{re.escape(old)}\b", new, text)
    return text


def lower_case(text: str, rng: random.Random) -> str:
    """Everything in lower case, placeholders kept (many customers type that way)."""
    return re.sub(r"<([a-z]+)_(\d+)>", lambda m: f"<{m.group(1).upper()}_{m.group(2)}>", text.lower())


def typo(text: str, rng: random.Random) -> str:
    """Swap two inner letters of one longer word."""
    words = [m for m in re.finditer(r"\b[a-zA-Z]{6,}\b", text)]
    if not words:
        return text
    m = rng.choice(words)
    i = rng.randrange(1, len(m.group(0)) - 2)
    w = m.group(0)
    return text[: m.start()] + w[:i] + w[i + 1] + w[i] + w[i + 2 :] + text[m.end() :]


REWORDINGS: list[Callable[[str, random.Random], str]] = [swap_greeting, swap_closing, toggle_contractions,
                                                         lower_case, typo]


def augment(example: Example, copies: int, seed: int) -> list[Example]:
    """Reworded copies of a training example (the customer's turns change; system prompt and target do not)."""
    out = []
    for n in range(1, copies + 1):
        rng = random.Random(f"{seed}:{example.id}:{n}")
        changes = rng.sample(REWORDINGS, k=2)
        turns = [ChatTurn(role=t.role, content=_reword(t.content, changes, rng)) if t.role == "user" else t
                 for t in example.messages]
        if turns != example.messages:
            metadata = {**example.metadata, "augmented_from": example.id}
            out.append(example.model_copy(update={"id": f"{example.id}~aug{n}", "messages": turns,
                                                  "metadata": metadata}))
    return out


def _reword(text: str, changes: list[Callable[[str, random.Random], str]], rng: random.Random) -> str:
    for change in changes:
        text = change(text, rng)
    return text.strip()
