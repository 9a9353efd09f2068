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
