"""Running the detectors over a text and choosing among their overlapping finds: the core of `Redactor`.

A detector's finds become candidates; `resolve` keeps the longest of overlapping ones (ties by priority, then by
the order they were found) and drops anything overlapping an allowlisted span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import AnyStr, NamedTuple

from tunedesk.pii.classes import char_classes
from tunedesk.pii.numbers import Span, scan_numbers

Finder = Callable[..., list[Span]]
Candidate = tuple[int, int, int, str, str, str, bool]
"""(start, end, priority, kind, placeholder type, key, mask?) of one detection before overlaps are resolved."""


class NumberKind(NamedTuple):
    """A detector served by the one pass over digit groups: where in `NumberSpans` its finds are, and its rule."""

    position: int
    priority: int
    kind: str
    ptype: str
    mask: bool


class Detector(NamedTuple):
    """A detector: its finder and what its finds become."""

    find: Finder
    priority: int
    kind: str
    ptype: str
    mask: bool
    sketched: bool = False
    """The finder takes the text's sketch (`pii.classes.char_classes`) as a second argument."""


def detect(text: str, numbers: Sequence[NumberKind], detectors: Sequence[Detector],
           settled: Sequence[tuple[int, int]] = (), sketch: bytes | None = None) -> list[Candidate]:
    """Every candidate these detectors find in a text: the digit-group kinds first, then each detector in turn.

    A digit group inside a `settled` (allowlisted) span is passed over: all it could give would overlap it.
    `sketch`: the text's `char_classes`, when the caller has it already.
    """
    found: list[Candidate] = []
    if sketch is None:
        sketch = char_classes(text)
    if numbers:
        spans_by_kind = scan_numbers(text, settled, sketch)
        for position, priority, kind, ptype, mask in numbers:
            if spans_by_kind[position]:
                found += [(s, e, priority, kind, ptype, key, mask) for s, e, key in spans_by_kind[position]]
    for find, priority, kind, ptype, mask, sketched in detectors:
        spans = find(text, sketch) if sketched else find(text)
        if spans:
            found += [(s, e, priority, kind, ptype, key, mask) for s, e, key in spans]
    return found


class Allowlist:
    """What is never replaced: exact strings (compared ignoring case) and the matches of patterns."""

    def __init__(self, items: Iterable[str], patterns: Iterable[str] = ()) -> None:
        allowed = sorted({a for a in items if a.strip()}, key=len, reverse=True)
        self.exact = [a.lower() for a in allowed]
        self._any = re.compile("|".join(map(re.escape, allowed)), re.IGNORECASE) if allowed else None
        self._patterns = [re.compile(p) for p in patterns]
        # Lowering a text's ASCII bytes finds ASCII items where lowering the text does, but for the two characters
        # that lower to ASCII or change length (checked per text) and "?", which stands for any other character.
        ascii_items = all(a.isascii() and "?" not in a for a in self.exact)
        self._exact_bytes = [a.encode("ascii") for a in self.exact] if ascii_items else None

    def spans(self, text: str, encoded: bytes | None = None) -> list[tuple[int, int]]:
        """Where the allowlist occurs in a text; `encoded`: `text.encode("ascii", "replace")`, if the caller has it."""
        spans: list[tuple[int, int]] = []
        if self.exact:
            if encoded is not None and self._exact_bytes is not None and (
                    text.isascii() or (_LOWERS_TO_TWO not in text and _LOWERS_TO_ASCII not in text)):
                spans = _occurrences(encoded.lower(), self._exact_bytes)
            else:
                lowered = text.lower()
                if len(lowered) == len(text):
                    spans = _occurrences(lowered, self.exact)
                elif self._any is not None:  # a few characters (İ) change length when lowered: offsets would shift
                    spans = [m.span() for m in self._any.finditer(text)]
        if self._patterns:
            spans += [m.span() for pattern in self._patterns for m in pattern.finditer(text) if m.end() > m.start()]
        return spans


_LOWERS_TO_TWO = "\u0130"  # İ: "i̇", two characters
_LOWERS_TO_ASCII = "\u212a"  # the Kelvin sign: "k"


def _occurrences(lowered: AnyStr, items: Sequence[AnyStr]) -> list[tuple[int, int]]:
    spans = []
    for item in items:
        pos = lowered.find(item)
        while pos != -1:
            spans.append((pos, pos + len(item)))
            pos = lowered.find(item, pos + 1)
    return spans


def resolve(candidates: list[Candidate], allowed: list[tuple[int, int]]) -> list[Candidate]:
    """The candidates to mask, by position: longest first, ties by priority, then by the order found; a candidate
    overlapping an allowlisted or an already taken span stays (a kept one takes its span, masking nothing)."""
    if len(candidates) == 1 and not allowed:  # the common case: nothing to choose between
        return candidates if candidates[0][6] else []
    taken = list(allowed)
    chosen = []
    # sorted() is stable, so among equal keys the order found decides, as the docstring says.
    for c in sorted(candidates, key=_longest_first):
        start, end = c[0], c[1]
        for t_start, t_end in taken:
            if start < t_end and t_start < end:
                break
        else:
            taken.append((start, end))
            if c[6]:
                chosen.append(c)
    chosen.sort()
    return chosen


def _longest_first(c: Candidate) -> tuple[int, int, int]:
    return (c[0] - c[1], c[2], c[0])
