"""A one-byte-per-character sketch of a text that lets the regex engine jump to the few places a detector can match.

Python's regex engine scans fast (like `str.find`) only for a pattern that starts with one literal character; a
pattern that starts with a class (`[0-9]`, or a list of words with different first letters) is tested character by
character, about ten times slower. The sketch maps every character to its class: digits to "0", the capitals that
begin a greeting or sign-off word to "\\x01", other ASCII capitals to "\\x02", lower-case ASCII letters and the
separators digit groups use to themselves, everything else to "?". A pattern written over the sketch then starts
with a literal ("0", "\\x01") and is scanned fast. The sketch has exactly one byte per character of the text
(`encode("ascii", "replace")` writes one "?" for each other character), so its offsets are the text's offsets.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache

UPPER = "A-ZÀ-ÖØ-Þ"
"""Upper-case letters, as a regex class body (names, cities)."""
LOWER = "a-zß-öø-ÿ"
"""Lower-case letters, as a regex class body."""

DIGIT = b"0"
TRIGGER_CAPITAL = b"\x01"
OTHER_CAPITAL = b"\x02"
TRIGGER_CAPITALS = "ABCDGHKMPRSTWY"
"""The first letters of the greeting, title and sign-off words (see `pii.patterns`)."""
SKETCH_UPPER = rb"[\x01\x02?]"
"""An upper-case letter (`UPPER`) in the sketch: the ASCII ones are trigger or other capitals, the rest are "?"."""
_KEPT = b" \t\n\x00.-_/()#@"
"""Separators the digit-group pattern tells apart, and the marks before order numbers and in email addresses."""


def _class_table() -> bytes:
    table = bytearray(b"?" * 256)
    for ch in range(ord("0"), ord("9") + 1):
        table[ch] = DIGIT[0]
    for ch in range(ord("A"), ord("Z") + 1):
        table[ch] = TRIGGER_CAPITAL[0] if chr(ch) in TRIGGER_CAPITALS else OTHER_CAPITAL[0]
    for ch in (*range(ord("a"), ord("z") + 1), *_KEPT):
        table[ch] = ch
    return bytes(table)


CLASS_TABLE = _class_table()


def char_classes(text: str) -> bytes:
    """The sketch of a text: one byte per character, the character's class (see the module docstring)."""
    return text.encode("ascii", "replace").translate(CLASS_TABLE)


def word_set_of(words: str) -> frozenset[str]:
    """A set of words written as one string, separated by white space."""
    return frozenset(words.split())


@lru_cache(maxsize=4)
def lowered(text: str) -> str | None:
    """The text in lower case, when lowering keeps every offset (it does but for a few characters such as "İ")."""
    low = text.lower()
    return low if len(low) == len(text) else None


class LowerPattern:
    """A pattern written in lower case and matched on the lower-cased text: several times faster than the same
    pattern ignoring case (which it falls back to for a text whose lowering changes its length). Offsets are the
    text's; the matched strings are lower case."""

    def __init__(self, pattern: str) -> None:
        self.low = re.compile(pattern)
        self.any_case = re.compile(pattern, re.IGNORECASE)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer` over the lower-cased text."""
        low = lowered(text)
        return self.low.finditer(low, pos, endpos) if low is not None else self.any_case.finditer(text, pos, endpos)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """`re.Pattern.search` over the lower-cased text."""
        low = lowered(text)
        return self.low.search(low, pos, endpos) if low is not None else self.any_case.search(text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """`re.Pattern.match` over the lower-cased text."""
        low = lowered(text)
        return self.low.match(low, pos, endpos) if low is not None else self.any_case.match(text, pos, endpos)


_INDEX_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=4)
def word_set(text: str) -> frozenset[str]:
    """The words of the text in lower case ("it's" is "it" and "s"): one pass in C that the finders
    driven by cue words share, looking up their few words instead of scanning the text."""
    low = lowered(text)
    return frozenset(_INDEX_WORD.findall(text.lower() if low is None else low))


def cue_positions(text: str, cues: frozenset[str]) -> list[int]:
    """Where any of these lower-case words stands as a whole word in the text, in order (see `cue_words`)."""
    return [pos for pos, _ in cue_words(text, cues)]


def cue_words(text: str, cues: frozenset[str]) -> list[tuple[int, str]]:
    """(offset, word) for each of these lower-case words standing as a whole word in the text, in order.

    Only the words `word_set` says the text has are looked for, each with its own pattern that starts with the word
    itself (so the regex engine jumps from one occurrence to the next)."""
    hits = word_set(text) & cues
    if not hits:
        return []
    low = lowered(text) or text.lower()
    found = [(m.start(), word) for word in hits for m in _word_end(word).finditer(low)
             if not low[m.start() - 1 : m.start()].isalpha()]
    found.sort()
    return found


@lru_cache(maxsize=1024)
def _word_end(word: str) -> re.Pattern[str]:
    """The word where no letter follows; it starts with the word's literal letters, which the engine scans for fast
    (a lookbehind in front would make it try every position)."""
    return re.compile(rf"{re.escape(word)}(?![^\W\d_])")
