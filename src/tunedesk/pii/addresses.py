"""Street addresses in any case and in US, UK, Australian, Canadian and continental European forms, and postcodes
named as such: the finders that complement the capitalised US/UK street lines of `pii.numbers`.

A street line is a house number, one to four words and a street type ("42 wallaby way"), then, when they follow,
the town, state or province and postcode ("sydney nsw 2000", "Toronto, ON M5V 3L9"). A European one is a street
name ending in a street word or after one ("Hauptstraße 12", "Via Roma 5") with its number, then the postcode and
town ("10115 Berlin").
"""

from __future__ import annotations

import re

from tunedesk.pii.classes import LowerPattern, char_classes, cue_positions
from tunedesk.pii.numbers import Span, digit_runs

_SUFFIX = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|tce|ter|circle|"
    "cir|parkway|pkwy|highway|hwy|square|sq|trail|crescent|cres|close|cl|gardens|gdns|row|mews|hill|grove|parade|pde|"
    "esplanade|promenade|walk|rise|view|green|heights|crossing|loop|alley|wynd|gate|quay|broadway"
)
_STATES = (
    "al|ak|az|ar|ca|co|ct|de|dc|fl|ga|hi|id|il|in|ia|ks|ky|la|me|md|ma|mi|mn|ms|mo|mt|ne|nv|nh|nj|nm|ny|nc|nd|oh|ok|"
    "or|pa|ri|sc|sd|tn|tx|ut|vt|va|wa|wv|wi|wy|pr|nsw|vic|qld|sa|tas|act|nt|ab|bc|mb|nb|nl|ns|nu|on|pe|qc|sk|yt"
)
_POSTCODE = (
    r"(?:[0-9]{5}(?:-[0-9]{4})?|[0-9]{4}|[a-z][0-9][a-z][ \t]?[0-9][a-z][0-9]"
    r"|[a-z]{1,2}[0-9][a-z0-9]?[ \t]?[0-9][a-z]{2})"
)
_WORD = r"[^\W\d_][\w'’.-]*"
_STREET_LINE = LowerPattern(
    rf"[0-9]{{1,6}}[a-z]?(?:[ \t]*[-/][ \t]*[0-9]{{1,5}})?,?[ \t]+(?:{_WORD}[ \t]+){{1,4}}"
    rf"(?:{_SUFFIX})\b\.?"
    r"(?:,?[ \t]*(?:apt|apartment|unit|suite|ste|flat|floor|fl|#)\.?[ \t]*#?[a-z0-9-]{1,6}\b)?"
    rf"(?:(?:,[ \t]*|[ \t]+|[ \t]*\n[ \t]*)(?:{_WORD}[ \t]+){{0,2}}{_WORD}"
    rf"(?:,?[ \t]+(?:{_STATES})\b\.?(?:,?[ \t]+{_POSTCODE}\b)?|,?[ \t]+{_POSTCODE}\b))?"
)
_EU_STREET_WORDS = (
    r"stra(?:ss|ß)e|str\.|weg|gasse|allee|platz|ring|damm|ufer|gracht|straat|laan|plein|kade|gatan|vägen|gata|vej|"
    r"gade|veien|tie|katu|utca|ulica|ul\.|via|viale|piazza|corso|calle|avenida|paseo|plaza|carrer|rua|rue|avenue|"
    r"boulevard|place|chemin|quai|gran vía|camino"
)
_EU_TAIL = LowerPattern(
    r"[0-9]{1,4}[a-z]?(?:[ \t]*[-/][ \t]*[0-9]{1,4})?,?[ \t]+(?:[a-z]{1,2}-)?"
    rf"(?:[0-9]{{5}}|[0-9]{{4}}(?:[ \t]?[a-z]{{2}}\b)?|[0-9]{{3}}[ \t][0-9]{{2}})[ \t]+{_WORD}"
)
"""A European address's house number, postcode and town ("12, 10115 Berlin"); its street name comes before."""
_WORDS_BEFORE = re.compile(rf"(?:{_WORD}[ \t]+){{1,4}}\Z")
_EU_STREET = LowerPattern(rf"(?:{_EU_STREET_WORDS})|^(?:{_EU_STREET_WORDS})\b")
_POSTCODE_CUED = LowerPattern(
    rf"(?:post ?code|postal ?code|zip(?: ?code)?|plz|cap|code postal)\b[ \t]*(?:is[ \t]+|:[ \t]*)?"
    rf"({_POSTCODE}(?:[ \t]?[a-z]{{2}}\b)?)\b"
)
_CA_POSTCODE = re.compile(
    r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z][ \t]?[0-9][ABCEGHJ-NPRSTV-Z][0-9](?![\w-])"
)
# Where each pattern can start, in the text's digit-run sketch (`pii.numbers.digit_runs`: a run's first digit "0",
# the rest "\x03", capitals "\x01"/"\x02", lower-case letters themselves, "?" any other character such as ","):
# a literal "0" first, scanned fast.
_STREET_SHAPE = re.compile(rb"0\x03{0,5}[a-z\x01\x02]?(?:[ \t]*[-/][ \t]*0\x03{0,4})?\??[ \t]+[a-z\x01\x02?]")
_EU_TAIL_SHAPE = re.compile(
    rb"0\x03{0,3}[a-z\x01\x02]?(?:[ \t]*[-/][ \t]*0\x03{0,3})?\??[ \t]+(?:[a-z\x01\x02]{1,2}-)?0\x03{2,4}"
)
_CA_POSTCODE_SHAPE = re.compile(rb"0[\x01\x02][ \t]?0[\x01\x02]0")
_POSTCODE_CUES = frozenset({"post", "postcode", "postal", "zip", "zipcode", "plz", "cap", "code"})
_LEADING_WORDS = frozenset({"to", "at", "is", "in", "on", "of", "my", "our", "the", "a", "an", "and", "address", "ship",
                            "send", "live", "lives", "living", "moved", "move", "new", "please", "deliver",
                            "delivered", "shipping", "billing", "home", "work", "it", "me", "us"})


def find_street_addresses(text: str, sketch: bytes | None = None) -> list[Span]:
    """Street lines in any case ('42 wallaby way, sydney nsw 2000', '123 Maple Avenue, Toronto, ON M5V 3L9') and
    European ones ('Hauptstraße 12, 10115 Berlin', 'Via Roma 5, 00184 Roma')."""
    runs = digit_runs(char_classes(text) if sketch is None else sketch)
    spans = []
    for shape in _STREET_SHAPE.finditer(runs):
        m = _STREET_LINE.match(text, shape.start()) if _word_starts(text, shape.start()) else None
        if m is not None:
            spans.append((m.start(), m.end(), _key(m.group())))
    for shape in _EU_TAIL_SHAPE.finditer(runs):
        m = _EU_TAIL.match(text, shape.start()) if _word_starts(text, shape.start()) else None
        if m is not None and (span := _eu_street_before(text, m.start(), m.end())) is not None:
            spans.append(span)
    return spans


def _eu_street_before(text: str, start: int, end: int) -> Span | None:
    """The European street line whose number, postcode and town run from `start` to `end`, if a street name
    (a word such as "straße", "via", "rue" in it) comes before."""
    before = _WORDS_BEFORE.search(text, max(0, start - 60), start)
    if before is None:
        return None
    words = list(_NON_SPACE.finditer(text, before.start(), before.end()))
    while words and words[0].group().casefold() in _LEADING_WORDS:
        words.pop(0)
    if not words or not _EU_STREET.search(text[words[0].start() : start]):
        return None
    return (words[0].start(), end, _key(text[words[0].start() : end]))


def find_postcodes(text: str, sketch: bytes | None = None) -> list[Span]:
    """Postcodes after 'postcode', 'zip', 'postal code' … in any country's shape, and Canadian ones anywhere."""
    spans = []
    for pos in cue_positions(text, _POSTCODE_CUES):
        if m := _POSTCODE_CUED.match(text, pos):
            spans.append((m.start(1), m.end(1), _key(m.group(1))))
    for shape in _CA_POSTCODE_SHAPE.finditer(char_classes(text) if sketch is None else sketch):
        start = shape.start() - 1
        m = _CA_POSTCODE.match(text, start) if start >= 0 and _word_starts(text, start) else None
        if m is not None:
            spans.append((m.start(), m.end(), _key(m.group())))
    return spans


def _word_starts(text: str, pos: int) -> bool:
    return not (text[pos - 1 : pos].isalnum() or text[pos - 1 : pos] in ("-", "_"))


_NON_SPACE = re.compile(r"\S+")


def _key(address: str) -> str:
    return " ".join(address.lower().replace(",", " ").split())
