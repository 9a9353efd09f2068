"""Sentences and clauses of a reply, as the judge and the guardrails read them (one definition for both).

A sentence runs to `.`, `!`, `?` or a line break; a clause also ends at `;`. The judge reads sentences (a
promise, a repeated sentence, a status claim); the hand-over guard reads clauses, so that a condition ("if it
happens again") covers only the clause it is written in.
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_CLAUSE_BREAK = re.compile(r"(?<=[.!?;])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The text's sentences, stripped, in order (empty ones left out)."""
    return [s for s in (m.strip() for m in _SENTENCE.findall(text)) if s]


def clauses(text: str) -> list[str]:
    """The text's clauses: its sentences, further split at semicolons (empty ones left out)."""
    return [c for c in (p.strip() for p in _CLAUSE_BREAK.split(text)) if c]
