"""Case-insensitive regular expressions that stay fast.

Python's `re` loses its literal-prefix scan under `re.IGNORECASE` (5–8× slower on support text here). A
pattern written in lower case is instead matched case-sensitively against the lower-cased text, which finds the
same matches; a pattern with upper-case literals (`[A-Z]`, `GDPR`) falls back to `re.IGNORECASE`. A pattern that
needs one of a few literals (`refund`, `lawyer`) is only searched in a text that contains one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tunedesk.text.prefilter import required_literals

_ESCAPE = re.compile(r"\\.")
_MAX_GATE_LITERALS = 12  # beyond this many substring tests the pattern's own scan is about as fast


@dataclass(frozen=True)
class CaseInsensitive:
    """A compiled case-insensitive pattern; call `search(text, lowered)` with `lowered = text.lower()`."""

    pattern: re.Pattern[str]
    on_lowered: bool
    literals: frozenset[str] | None = None
    """On the lowered text: strings one of which every match contains (None: unknown)."""
    gate: tuple[str, ...] | None = None
    """The literals tested before searching, when they are few enough to be cheaper than the search."""

    def search(self, text: str, lowered: str | None = None) -> re.Match[str] | None:
        """The first match, in the lowered text when the pattern runs on it (offsets agree for most text)."""
        if self.on_lowered:
            lowered = text.lower() if lowered is None else lowered
            # Every match contains one of the gate's literals: without any, the search cannot match either.
            if self.gate is not None and not any(map(lowered.__contains__, self.gate)):
                return None
            return self.pattern.search(lowered)
        return self.pattern.search(text)


def compile_ci(patterns: Iterable[str], word_keywords: Iterable[str] = ()) -> CaseInsensitive:
    """One pattern matching any of `patterns` or any keyword (as a whole phrase), case-insensitively."""
    parts = [rf"\b{re.escape(k.lower())}\b" for k in word_keywords] + [f"(?:{p})" for p in patterns]
    if not parts:
        return CaseInsensitive(re.compile(r"(?!x)x"), True)
    joined = "|".join(parts)
    lower_safe = not any(ch.isupper() for ch in _ESCAPE.sub("", joined))
    pattern = re.compile(joined, 0 if lower_safe else re.IGNORECASE)
    literals = _literals(parts) if lower_safe else None
    gate = tuple(sorted(literals)) if literals is not None and len(literals) <= _MAX_GATE_LITERALS else None
    return CaseInsensitive(pattern, lower_safe, literals, gate)


def _literals(parts: list[str]) -> frozenset[str] | None:
    """The union of each alternative's required literals (read one by one: the parser would factor out a common
    prefix such as the `c` of `cancel|close`), or None when one alternative has none."""
    found: set[str] = set()
    for part in parts:
        try:
            literals = required_literals(re.compile(part))
        except re.error:  # a fragment that only compiles joined (a group reference across parts): no gate
            return None
        if literals is None:
            return None
        found |= literals
    return frozenset(found)
