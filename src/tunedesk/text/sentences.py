"""Sentences and clauses of a reply, as the judge and the guardrails read them (one definition for both).

A sentence runs to `.`, `!` or `?` followed by a space, or to a line break; a clause also ends at `;`. A full stop
inside a word or number ("shop.com", "3.5") ends nothing, nor does one after a title ("Ms. <NAME_1>", "Dr."), "e.g."
or "i.e.", or the number that opens a list item ("1. The date of purchase"). The judge reads sentences (a
promise, a repeated sentence, a status claim); the hand-over guard reads clauses, so that a condition ("if it
happens again") covers only the clause it is written in.
"""

from __future__ import annotations

import re

_NO_BREAK_AFTER = ("mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.")
"""Abbreviations whose full stop ends no sentence (matched in any case)."""
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])" + "".join(rf"(?<!\b{re.escape(a)})" for a in _NO_BREAK_AFTER)
    + r"(?<!^\d\.)(?<!^\d\d\.)[ \t]+|\n+",  # nor the number that opens a list item
    re.IGNORECASE | re.MULTILINE)
_CLAUSE_BREAK = re.compile(r"(?<=[.!?;])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The text's sentences, stripped, in order (empty ones left out)."""
    return [s for s in (p.strip() for p in _SENTENCE_BREAK.split(text)) if s]


def clauses(text: str) -> list[str]:
    """The text's clauses: its sentences, further split at semicolons (empty ones left out)."""
    return [c for c in (p.strip() for p in _CLAUSE_BREAK.split(text)) if c]
