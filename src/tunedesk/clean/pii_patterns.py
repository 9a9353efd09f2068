"""The built-in PII detectors: precompiled patterns plus the checks (Luhn, mod-97, phone shapes) run on candidates.

Every finder takes a text and returns `(start, end, key)` spans, where `key` is the normalised value used to give
the same value the same placeholder (emails lower-case, phones and cards by digits). Patterns start with a
character class or literal where possible, so the regex engine can skip quickly to possible starts; checks that
need Python run only on the few candidates a pattern finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

Span = tuple[int, int, str]
"""(start, end, normalisation key) of one detected value."""

FIELD_BREAK = "\n\x00\n"
"""Joins the fields of a ticket into one text; no detector pattern matches across it."""


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


UPPER = "A-ZÀ-ÖØ-Þ"
LOWER = "a-zß-öø-ÿ"
NAME_TOKEN = rf"[{UPPER}](?:['’][{UPPER}])?[{LOWER}]+(?:[{UPPER}][{LOWER}]+)?(?:-[{UPPER}][{LOWER}]+)?"

# Capitalised words that are never names: greetings to groups, sign-off words, pronouns, sentence starters.
NOT_NAMES = _word_set(
    """there all everyone everybody team support customer customers service services sir madam folks guys again
    the a an and of for from to with in on at by our your my we us you they it this that i thanks thank please
    sorry hope just good great happy welcome yes no ok okay regards best cheers sincerely kind warm many hello hi
    hey dear agent admin bot system help helpdesk desk care sales billing info friend friends colleague colleagues
    order orders refund return returns shipping delivery account manager store shop mr mrs ms dr morning afternoon
    evening how what when where why who which whose can could would should shall might must is are was were
    do does did have has had am be been about after before today tomorrow yesterday tonight last next one two some
    any every if so but or not also still here now then there's it's i'm im i've i'd i'll"""
)

AMBIGUOUS_NAMES = _word_set(
    """May June April August Will Bill Mark Grace Hope Joy Faith Rose Dawn Summer Chase Guy Max Ray Rich Page Best
    Price Long Young White Black Green Brown Gray Grey King Hill Wood Stone Ford Frank Sky Art Pat Sue Grant Penny
    Cash Love Star Rock Wolf Fox Lane Park Ward North South West East Sunday Monday Friday Sterling Crystal Amber
    Iris Ivy Holly Daisy Jade Ruby Pearl Violet Autumn Winter Sunny Hunter Miles Drew Lee Don Carol Gene Van De La
    Le Del Di Da Bo Al Ed"""
)
"""Names that are also ordinary words: they count as a participant's name only in name positions."""

_EMAIL_LOCAL_REVERSED = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*")
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                           r"\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")
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
US_STATES = _word_set(
    """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH
    OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"""
)

_TWO_NAMES = rf"{NAME_TOKEN}(?:[ \t]+{NAME_TOKEN})?"
# Each pattern starts with a list of literal words, so the regex engine can skip straight to their first letters.
_GREETING = re.compile(
    r"(?:Hi|Hello|Hey|Dear|Good morning|Good afternoon|Good evening|Mr|Mrs|Ms|Miss|Mx|Dr|Prof)[,.]?[ \t]+"
    rf"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ \t]+)?({_TWO_NAMES})"
)
_GREETING_STARTS = ("H", "D", "G", "M", "P")
"""The first letters of the greeting words and titles `_GREETING` starts with."""
_SIGNOFF = re.compile(
    r"(?:Thanks|Thank you|Many thanks|Best regards|Best wishes|Best|Kind regards|Warm regards|Regards|Cheers|"
    r"Sincerely|Yours|Take care|All the best)[,.!]?[ \t]*(?:-[ \t]*)?\n?[ \t]*"
    rf"({NAME_TOKEN}(?:[ \t]+(?:[A-Z]\.|{NAME_TOKEN}))?)\.?[ \t]*(?:\n[^\n\x00]{{0,60}})?(?=\s*(?:\x00|\Z))"
)
_MY_NAME = re.compile(rf"name(?: is|'s)[ \t]+({_TWO_NAMES})")
_INTRO_BEFORE_FROM = re.compile(rf"(?:[Tt]his is|I'm|I am)[ \t]+({_TWO_NAMES})$")
_GROUP_WORDS = frozenset({"team", "support", "crew", "folks", "staff", "desk", "department"})
_NAME_LEAD = re.compile(
    r"\b(?:Hi|Hello|Hey|Dear|Thanks|Cheers|Regards|Best|Mr|Mrs|Ms|Dr|name is|this is|I'm|I am)[.,!]?[ \t]*\n?[ \t]*$"
)

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


def find_emails(text: str) -> list[Span]:
    """Email addresses, found from each '@' outwards (cheaper than scanning every word start)."""
    spans: list[Span] = []
    at = text.find("@")
    while at != -1:
        local = _EMAIL_LOCAL_REVERSED.match(text[max(0, at - 64) : at][::-1])
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if local and domain:
            start = at - len(local.group())
            spans.append((start, domain.end(), text[start : domain.end()].lower()))
        at = text.find("@", at + 1)
    return spans


class NumberSpans(NamedTuple):
    """What one pass over a text's digit groups found, by kind."""

    cards: list[Span]
    phones: list[Span]
    ibans: list[Span]
    addresses: list[Span]


def scan_numbers(text: str, settled: Sequence[tuple[int, int]] = ()) -> NumberSpans:
    """Cards, phones, IBANs and addresses: one pass over digit groups, each group checked where it could be one.

    A digit group inside a `settled` span (an allowlisted one) is passed over: all it could give would overlap it.
    """
    found = NumberSpans([], [], [], [])
    for m in _NUMBER.finditer(text):
        start, end = m.span()
        if settled and any(s <= start and end <= e for s, e in settled):
            continue
        before = text[start - 1] if start else " "
        if before.isalpha():
            if start >= 2 and text[start - 2 : start].isupper() and not (start > 2 and text[start - 3].isalnum()):
                _add(found.ibans, _iban_at(text, start - 2))
        elif end - start >= 7:
            _cards_and_phones(text, start, end, found)
        after = text[end : end + 3]
        if (after[:1] in " \t" and after[1:2].isupper()) or (after[:1].isupper() and after[1:2] in " \t"):
            _add(found.addresses, _street_at(text, start, m.group()))
        if before in " \t" and start >= 4 and text[start - 3 : start - 1] in US_STATES:
            _add(found.addresses, _city_state_zip_at(text, start, m.group()))
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


def matches_from(pattern: re.Pattern[str], text: str, starts: Iterable[str]) -> list[re.Match[str]]:
    """What `pattern.finditer(text)` finds, for a pattern that never matches empty and only where a `starts` string
    begins: str.find jumps to those few places, where the regex engine's scan would test every character."""
    positions = []
    for start in starts:
        pos = text.find(start)
        while pos != -1:
            positions.append(pos)
            pos = text.find(start, pos + 1)
    positions.sort()
    matches, resume = [], 0
    for pos in positions:
        if pos >= resume and (m := pattern.match(text, pos)) is not None:
            matches.append(m)
            resume = m.end()
    return matches


def find_greeting_names(text: str) -> list[Span]:
    """Names after a greeting or a title: 'Hi Maria,', 'Dear Mr. Lopez', 'Hello Anna Schmidt', 'from Ms. Okafor'."""
    spans = []
    for m in matches_from(_GREETING, text, _GREETING_STARTS):
        span = _name_span(text, m)
        # After "Hi," a capitalised word usually starts the sentence ("Hi, Today I…"); a name then stands alone.
        if span and ("," not in text[m.start() : m.start(1)] or text[span[1] : span[1] + 1] in ",.!:;\n"):
            spans.append(span)
    return spans


def find_signoff_names(text: str) -> list[Span]:
    """A short name line after 'Thanks,', 'Best,', 'Cheers,' … at the end of a message."""
    return [span for m in _SIGNOFF.finditer(text) if (span := _name_span(text, m))]


def find_self_intro_names(text: str) -> list[Span]:
    """Names people give themselves: 'my name is …', 'this is … from', 'I'm … from'."""
    spans = [span for m in _MY_NAME.finditer(text) if text[max(0, m.start() - 3) : m.start()] in ("my ", "My ")
             and (span := _name_span(text, m))]
    at = text.find(" from ")
    while at != -1:
        m = _INTRO_BEFORE_FROM.search(text, max(0, at - 48), at)
        if m and (span := _name_span(text, m)):
            spans.append(span)
        at = text.find(" from ", at + 1)
    return spans


def _name_span(text: str, m: re.Match[str]) -> Span | None:
    """The name in group 1 of a match, unless it is a word like 'there' or 'Team' or names a group ('Summit team')."""
    tokens = m.group(1).split()
    if (m.start() and text[m.start() - 1].isalnum()) or tokens[0].lower() in NOT_NAMES:
        return None
    start = m.start(1)
    end = m.end(1) if len(tokens) > 1 and tokens[1].rstrip(".").lower() not in NOT_NAMES else start + len(tokens[0])
    next_word = text[end : end + 24].split(None, 1)
    if next_word and next_word[0].rstrip(",.!").lower() in _GROUP_WORDS:
        return None
    return (start, end, text[start:end].casefold())


def known_name_variants(names: Iterable[str]) -> dict[str, str]:
    """Each participant's full name and name tokens, mapped to the person's key (their casefolded full name)."""
    variants: dict[str, str] = {}
    for name in dict.fromkeys(names):  # a name seen twice adds nothing new
        if name.isdigit():  # helpdesks give many authors as numeric ids
            continue
        for variant, person in _variants_of(name):
            if variant not in variants or " " in variant:
                variants[variant] = person
    return variants


@lru_cache(maxsize=4096)
def _variants_of(name: str) -> tuple[tuple[str, str], ...]:
    # Cached: agents' names recur on every ticket, and a customer is usually both participant and author.
    tokens = [t.strip(".,;:()[]\"'") for t in name.split()]
    tokens = [t for t in tokens if len(t) >= 2 and t[0].isupper() and t.replace("-", "").replace("'", "").isalpha()
              and t.lower() not in NOT_NAMES]
    if not tokens:
        return ()
    person = " ".join(tokens).casefold()
    variants = [(t, person) for t in tokens] + [(t[0] + t[1:].lower(), person) for t in tokens if t.isupper()]
    return (*variants, (" ".join(tokens), person)) if len(tokens) > 1 else tuple(variants)


def find_known_names(text: str, variants: dict[str, str], ambiguous: frozenset[str]) -> list[Span]:
    """Whole-word, case-sensitive occurrences of participants' names; ambiguous ones only in name positions."""
    spans: list[Span] = []
    for variant, person in variants.items():
        pos = text.find(variant)
        while pos != -1:
            end = pos + len(variant)
            # One-character slices: empty (not alphanumeric) at either end of the text.
            whole = not text[pos - 1 : pos].isalnum() and not text[end : end + 1].isalnum()
            if whole and (variant not in ambiguous or in_name_position(text, pos, end)):
                spans.append((pos, end, person))
            pos = text.find(variant, end)
    return spans


def in_name_position(text: str, start: int, end: int) -> bool:
    """True when a word stands where a name goes: after a greeting, title or sign-off, or alone on its line."""
    if _NAME_LEAD.search(text, max(0, start - 24), start):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    return line.strip(" \t,.!-") == text[start:end]


def find_pattern(pattern: re.Pattern[str], text: str, starts: Iterable[str] | None = None) -> list[Span]:
    """Matches of a configured pattern; when it has groups, the first group that took part is what is masked.

    `starts`: strings every match of the pattern begins with, when they are known (see `matches_from`).
    """
    spans: list[Span] = []
    for m in pattern.finditer(text) if starts is None else matches_from(pattern, text, starts):
        group = next((i for i, g in enumerate(m.groups(), 1) if g), 0) if pattern.groups else 0
        start, end = m.span(group)
        if end > start:
            spans.append((start, end, m.group(group).strip().upper()))
    return spans
