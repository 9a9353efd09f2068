"""Cards, phones, IBANs and postal addresses: one pass over a text's digit groups, each checked where it could be one.

Every finder returns `(start, end, key)` spans, where `key` is the normalised value used to give the same value the
same placeholder (cards and phones by digits, addresses lower-case). Split from `pii.patterns`, which re-exports
`scan_numbers` and the checks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from tunedesk.pii.classes import LOWER, UPPER, char_classes

Span = tuple[int, int, str]
"""(start, end, normalisation key) of one detected value."""

# A run of digit groups joined by one separator, brackets allowed ("(415) 555-0142", "4111 1111 1111 1111"), kept
# only when it could be PII: long enough for a phone or card, followed by a capitalised word (house number), by two
# capitals (UK postcode), after a state code (ZIP), or after two capitals (IBAN). Filtering here, in the regex
# engine, keeps Python off the many prices, dates and times. It starts with a plain character class so the engine
# can skip quickly to digits; the lookbehind after it rejects starts inside a digit run or an id like TH-104233,
# and ISO dates are passed over. So is a field that is nothing but an id too short or too long for a card (message
# authors are often numeric ids): with no word like "call" before it in its field it cannot be PII.
_NUMBER = re.compile(
    r"[0-9](?<![0-9\-_/][0-9])(?![0-9]{3}-[0-9]{2}-[0-9]{2}(?![0-9]))"
    r"(?!(?<=\x00\n[0-9])(?:[0-9]{0,11}|[0-9]{19,})(?:\n\x00|\Z))"
    r"[0-9]*+(?:(?:[ .\-]|\)[ .\-]?|[ .\-]?\()[0-9]++)*+"
    r"(?:(?<=[0-9 .()\-]{7})|(?=[A-Z]?[ \t]+[A-Z])|(?=[A-Z]{2}(?![A-Za-z0-9]))|(?<=[A-Z]{2}[ \t][0-9]{5})"
    r"|(?<=[A-Z]{2}[0-9]{2}))"
)
# `_NUMBER` over the text's digit-run sketch (`digit_runs`): [0-9] is "0" where a run of digits starts and "\x03"
# inside one, [A-Z] is "\x01" or "\x02", [a-z] and the separators are themselves, so it finds the same spans. A match
# starts at a run's first digit (the lookbehind after it says so), which here is the literal "0": the engine scans
# fast to the few run starts instead of trying every digit.
_NUMBER_IN_RUNS = re.compile(
    rb"0(?<![0\x03\-_/]0)(?![0\x03]{3}-[0\x03]{2}-[0\x03]{2}(?![0\x03]))"
    rb"(?!(?<=\x00\n0)(?:[0\x03]{0,11}|[0\x03]{19,})(?:\n\x00|\Z))"
    rb"[0\x03]*+(?:(?:[ .\-]|\)[ .\-]?|[ .\-]?\()[0\x03]++)*+"
    rb"(?:(?<=[0\x03 .()\-]{7})|(?=[\x01\x02]?[ \t]+[\x01\x02])|(?=[\x01\x02]{2}(?![\x01\x02a-z0\x03]))"
    rb"|(?<=[\x01\x02]{2}[ \t][0\x03]{5})|(?<=[\x01\x02]{2}[0\x03]{2}))"
)


def digit_runs(sketch: bytes) -> bytes:
    """The sketch with every digit after the first of its run made "\\x03": only run starts stay "0"."""
    # "00" -> "0\x03" marks every second digit of a run; "\x030" -> "\x03\x03" then marks the rest.
    return sketch.replace(b"00", b"0\x03").replace(b"\x030", b"\x03\x03")
_RUN = re.compile(r"[0-9]+")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
_PHONE_KEYWORD = re.compile(r"(?i)(?:phone|tel|call|mobile|cell|whatsapp|sms|fax|text me|reach me)\b")
_DATE_SHAPES = frozenset({(4, 2, 2), (2, 2, 4), (1, 2, 4), (2, 1, 4), (1, 1, 4), (4, 1, 1), (4, 2, 1), (4, 1, 2)})
_PHONE_SHAPES = frozenset({(3, 4), (3, 3, 4), (1, 3, 3, 4), (2, 4, 4), (4, 3, 4), (3, 4, 4)})

_STREET_SUFFIX = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|"
    "Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Crescent|Close|Gardens|Row|Mews|Hill|Grove"
)
_UK_POSTCODE = r"(?:[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?[ \t]?[0-9][ABD-HJLNP-UW-Z]{2})"
_CITY = rf"[{UPPER}][{LOWER}]+(?:[ \t][{UPPER}][{LOWER}]+){{0,2}}"
_STREET = re.compile(
    rf"[0-9]{{1,6}}[A-Z]?[ \t]+(?:[NSEW]\.?[ \t]+)?(?:[0-9]+(?:st|nd|rd|th)|[{UPPER}][{LOWER}]+)"
    rf"(?:[ \t]+[{UPPER}][{LOWER}]+){{0,3}}[ \t]+(?:{_STREET_SUFFIX})\b\.?(?:[ \t]+[NSEW]{{1,2}}\b)?"
    r"(?:,?[ \t]*(?:Apt|Apartment|Unit|Suite|Ste|Flat|Floor|Fl|#)\.?[ \t]*#?[A-Za-z0-9-]{1,6}\b)?"
    rf"(?:,?[ \t]*\n?[ \t]*{_CITY}(?:,?[ \t]*[A-Z]{{2}}[ \t]+[0-9]{{5}}(?:-[0-9]{{4}})?|[ \t]+{_UK_POSTCODE})\b)?"
)
_CITY_STATE_BEFORE = re.compile(rf"({_CITY}),[ \t]*[A-Z]{{2}}[ \t]+$")
_ZIP = re.compile(r"[0-9]{5}(?:-[0-9]{4})?")
_POSTCODE = re.compile(_UK_POSTCODE + r"$")
US_STATES = frozenset(str.split(
    """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH
    OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"""
))

IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27,
    "HU": 28, "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SK": 24,
}


def luhn_valid(digits: str) -> bool:
    """True when a digit string passes the Luhn checksum card numbers carry."""
    odd = sum(int(d) for d in digits[::-2])
    even = sum((2 * int(d)) - 9 if d > "4" else 2 * int(d) for d in digits[-2::-2])
    return (odd + even) % 10 == 0


def iban_valid(iban: str) -> bool:
    """True when a compact IBAN (no spaces, upper-case) has a plausible length and passes the mod-97 check."""
    if not 15 <= len(iban) <= 34 or IBAN_LENGTHS.get(iban[:2], len(iban)) != len(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


class NumberSpans(NamedTuple):
    """What one pass over a text's digit groups found, by kind."""

    cards: list[Span]
    phones: list[Span]
    ibans: list[Span]
    addresses: list[Span]


def scan_numbers(text: str, settled: Sequence[tuple[int, int]] = (), sketch: bytes | None = None) -> NumberSpans:
    """Cards, phones, IBANs and addresses: one pass over digit groups, each group checked where it could be one.

    A digit group inside a `settled` span (an allowlisted one) is passed over: all it could give would overlap it.
    `sketch`: the text's `char_classes`, when the caller has it already.
    """
    found = NumberSpans([], [], [], [])
    for m in _NUMBER_IN_RUNS.finditer(digit_runs(char_classes(text) if sketch is None else sketch)):
        start, end = m.span()
        if settled and any(s <= start and end <= e for s, e in settled):
            continue
        number = text[start:end]
        before = text[start - 1] if start else " "
        if before.isalpha():
            if start >= 2 and text[start - 2 : start].isupper() and not (start > 2 and text[start - 3].isalnum()):
                _add(found.ibans, _iban_at(text, start - 2))
        elif end - start >= 7:
            _cards_and_phones(text, start, end, found)
        after = text[end : end + 3]
        if (after[:1] in " \t" and after[1:2].isupper()) or (after[:1].isupper() and after[1:2] in " \t"):
            _add(found.addresses, _street_at(text, start, number))
        if before in " \t" and start >= 4 and text[start - 3 : start - 1] in US_STATES:
            _add(found.addresses, _city_state_zip_at(text, start, number))
        if after[:2].isupper() and after[:2].isalpha() and not after[2:3].isalnum():
            _add(found.addresses, _postcode_at(text, start, end + 2))
    return found


def _add(spans: list[Span], span: Span | None) -> None:
    if span is not None:
        spans.append(span)


def _cards_and_phones(text: str, start: int, end: int, found: NumberSpans) -> None:
    """Try the whole digit group, then shorter runs of its parts ('555-0123 2 times', a card followed by a year)."""
    if text[start:end].isdigit():  # one plain run, the common case (ids, compact card numbers)
        _card_or_phone(text, start, end, (end - start,), found)
        return
    runs = [m.span() for m in _RUN.finditer(text, start, end)]
    sizes = [e - s for s, e in runs]
    i = 0
    while i < len(runs):
        for j in range(len(runs), i, -1):
            if sum(sizes[i:j]) < 7:
                break  # shorter ranges only have fewer digits
            if _card_or_phone(text, runs[i][0], runs[j - 1][1], tuple(sizes[i:j]), found):
                i = j - 1
                break
        i += 1


def _card_or_phone(text: str, start: int, end: int, shape: tuple[int, ...], found: NumberSpans) -> bool:
    digits = sum(shape)
    lead = start - 1 if start and text[start - 1] in "+(" else start
    lead = lead - 1 if lead and text[lead] == "(" and text[lead - 1] == "+" else lead
    if 13 <= digits <= 19 and text[lead] != "+" and not any(c in text[start:end] for c in ".()"):
        number = "".join(_RUN.findall(text, start, end))
        if luhn_valid(number):
            found.cards.append((start, end, number))
            return True
    if digits <= 15 and _phone_shaped(text, lead, start, end, shape):
        found.phones.append((lead, end, "".join(_RUN.findall(text, start, end))[-9:]))
        return True
    return False


def _phone_shaped(text: str, lead: int, start: int, end: int, shape: tuple[int, ...]) -> bool:
    """Whether digit groups of these sizes read as a phone number rather than a date, amount, size list or id."""
    digits = sum(shape)
    if text[lead] == "+":
        return digits >= 8
    if text[lead] == "(":
        return digits >= 10
    if len(shape) == 1:  # a bare run of digits is a phone only after a word like "call" in the same field
        window = max(0, lead - 30, text.rfind("\x00", 0, lead) + 1)
        return _PHONE_KEYWORD.search(text, window, lead) is not None
    if shape in _DATE_SHAPES or (len(shape) == 2 and shape != (3, 4) and "." in text[start:end]):  # 12.5 kg
        return False
    if text.startswith("00", start):  # an international prefix: 0044 20 7946 0958
        return digits >= 10
    return (text[start] == "0" and 9 <= digits <= 12) or shape in _PHONE_SHAPES


def _iban_at(text: str, start: int) -> Span | None:
    """The IBAN starting at `start`, trailing groups trimmed until the mod-97 check passes."""
    m = _IBAN.match(text, start)
    candidate = m.group() if m else ""
    while len(candidate.replace(" ", "")) >= 15:
        compact = candidate.replace(" ", "")
        if iban_valid(compact):
            return (start, start + len(candidate), compact)
        cut = candidate.rfind(" ")
        if cut == -1:
            return None
        candidate = candidate[:cut]
    return None


def _street_at(text: str, start: int, number: str) -> Span | None:
    """A street line starting at the house number that ends this digit group."""
    house = start + max(number.rfind(c) for c in " .-()") + 1
    if house > start and text[house - 1] != " ":
        return None
    m = _STREET.match(text, house)
    return (house, m.end(), _address_key(m.group())) if m else None


def _city_state_zip_at(text: str, start: int, number: str) -> Span | None:
    """'Springfield, IL 62704' ending at this ZIP code."""
    zip_code = _ZIP.match(number)
    city = _CITY_STATE_BEFORE.search(text, max(0, start - 48), start) if zip_code else None
    if city is None or zip_code is None:
        return None
    end = start + zip_code.end()
    return (city.start(), end, _address_key(text[city.start() : end]))


def _postcode_at(text: str, start: int, end: int) -> Span | None:
    """A UK postcode ending right after this digit group's two trailing capitals."""
    m = _POSTCODE.search(text, max(0, start - 6), end)
    if m is None or (m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "#")):  # not #B5C4DF
        return None
    return (m.start(), end, _address_key(m.group()))


def _address_key(address: str) -> str:
    return " ".join(address.lower().replace(",", " ").split())
