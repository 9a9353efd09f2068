"""The built-in PII detectors: precompiled patterns plus the checks (Luhn, mod-97, phone shapes) run on candidates.

Every finder takes a text and returns `(start, end, key)` spans, where `key` is the normalised value used to give
the same value the same placeholder (emails lower-case, phones and cards by digits). Patterns start with a
character class or literal where possible, so the regex engine can skip quickly to possible starts; checks that
need Python run only on the few candidates a pattern finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from tunedesk.pii.classes import LOWER, SKETCH_UPPER, TRIGGER_CAPITAL, TRIGGER_CAPITALS, UPPER, char_classes
from tunedesk.pii.numbers import IBAN_LENGTHS as IBAN_LENGTHS
from tunedesk.pii.numbers import US_STATES as US_STATES
from tunedesk.pii.numbers import NumberSpans as NumberSpans
from tunedesk.pii.numbers import Span as Span
from tunedesk.pii.numbers import iban_valid as iban_valid
from tunedesk.pii.numbers import luhn_valid as luhn_valid
from tunedesk.pii.numbers import scan_numbers as scan_numbers

FIELD_BREAK = "\n\x00\n"
"""Joins the fields of a ticket into one text; no detector pattern matches across it."""


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


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
_TWO_NAMES = rf"{NAME_TOKEN}(?:[ \t]+{NAME_TOKEN})?"
GREETING_WORDS = ("Hi", "Hello", "Hey", "Dear", "Good morning", "Good afternoon", "Good evening", "Mr", "Mrs", "Ms",
                  "Miss", "Mx", "Dr", "Prof")
SIGNOFF_WORDS = ("Thanks", "Thank you", "Many thanks", "Best regards", "Best wishes", "Best", "Kind regards",
                 "Warm regards", "Regards", "Cheers", "Sincerely", "Yours", "Take care", "All the best")
# Each pattern starts with a list of literal words, so the regex engine can skip straight to their first letters.
_GREETING = re.compile(
    rf"(?:{'|'.join(GREETING_WORDS)})[,.]?[ \t]+"
    rf"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ \t]+)?({_TWO_NAMES})"
)
_SIGNOFF = re.compile(
    rf"(?:{'|'.join(SIGNOFF_WORDS)})[,.!]?[ \t]*(?:-[ \t]*)?\n?[ \t]*"
    rf"({NAME_TOKEN}(?:[ \t]+(?:[A-Z]\.|{NAME_TOKEN}))?)\.?[ \t]*(?:\n[^\n\x00]{{0,60}})?(?=\s*(?:\x00|\Z))"
)


def _trigger(words: tuple[str, ...], then: bytes) -> re.Pattern[bytes]:
    """Where a pattern that starts with one of these words and goes on as `then` can match, in a text's sketch
    (`pii.classes.char_classes`): the word's first letter is a trigger capital (one byte, so the engine scans fast),
    the rest (lower-case letters and spaces) and `then` (the pattern in sketch classes, or looser) follow."""
    if not all(w[0] in TRIGGER_CAPITALS and re.fullmatch("[a-z ]+", w[1:]) for w in words):
        raise ValueError(f"a trigger word must be a trigger capital and lower-case letters: {words}")
    rests = sorted({w[1:] for w in words}, key=len, reverse=True)
    words_rest = b"|".join(r.encode() for r in rests)
    return re.compile(re.escape(TRIGGER_CAPITAL) + b"(?=(?:" + words_rest + b")" + then + b")")


# What follows the word up to the name's first letter, in sketch classes: "," and "!" are "?" there, like the
# non-ASCII capitals a name may start with.
_GREETING_TRIGGER = _trigger(GREETING_WORDS, rb"[.?]?[ \t]+" + SKETCH_UPPER)
_SIGNOFF_TRIGGER = _trigger(SIGNOFF_WORDS, rb"[.?]?[ \t]*(?:-[ \t]*)?\n?[ \t]*" + SKETCH_UPPER)
_MY_NAME = re.compile(rf"name(?: is|'s)[ \t]+({_TWO_NAMES})")
_INTRO_BEFORE_FROM = re.compile(rf"(?:[Tt]his is|I'm|I am)[ \t]+({_TWO_NAMES})$")
_GROUP_WORDS = frozenset({"team", "support", "crew", "folks", "staff", "desk", "department"})
_NAME_LEAD = re.compile(
    r"\b(?:Hi|Hello|Hey|Dear|Thanks|Cheers|Regards|Best|Mr|Mrs|Ms|Dr|name is|this is|I'm|I am)[.,!]?[ \t]*\n?[ \t]*$"
)

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


def matches_at(pattern: re.Pattern[str], text: str, positions: Iterable[int]) -> Iterator[re.Match[str]]:
    """What `pattern.finditer(text)` finds, for a pattern that never matches empty and can begin only at these
    positions (ascending): like finditer, a match is looked for again only after the end of the last one."""
    resume = 0
    for pos in positions:
        if pos >= resume and (m := pattern.match(text, pos)) is not None:
            yield m
            resume = m.end()


def find_greeting_names(text: str, sketch: bytes | None = None) -> list[Span]:
    """Names after a greeting or a title: 'Hi Maria,', 'Dear Mr. Lopez', 'Hello Anna Schmidt', 'from Ms. Okafor'.

    `sketch`: the text's `char_classes`, when the caller has it already.
    """
    spans: list[Span] = []
    # Every greeting begins where its trigger does in the sketch, so matching only there finds what finditer finds.
    starts = [t.start() for t in _GREETING_TRIGGER.finditer(char_classes(text) if sketch is None else sketch)]
    if not starts:
        return spans
    for m in matches_at(_GREETING, text, starts):
        span = _name_span(text, m)
        # After "Hi," a capitalised word usually starts the sentence ("Hi, Today I…"); a name then stands alone.
        if span and ("," not in text[m.start() : m.start(1)] or text[span[1] : span[1] + 1] in ",.!:;\n"):
            spans.append(span)
    return spans


def find_signoff_names(text: str, sketch: bytes | None = None) -> list[Span]:
    """A short name line after 'Thanks,', 'Best,', 'Cheers,' … at the end of a message.

    `sketch`: the text's `char_classes`, when the caller has it already.
    """
    starts = [t.start() for t in _SIGNOFF_TRIGGER.finditer(char_classes(text) if sketch is None else sketch)]
    return [span for m in matches_at(_SIGNOFF, text, starts) if (span := _name_span(text, m))] if starts else []


def find_self_intro_names(text: str) -> list[Span]:
    """Names people give themselves: 'my name is …', 'this is … from', 'I'm … from'."""
    spans = [span for m in _MY_NAME.finditer(text) if text[max(0, m.start() - 3) : m.start()] in ("my ", "My ")
             and (span := _name_span(text, m))] if "name" in text else []  # str.find scans faster than the engine
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


def find_pattern(pattern: re.Pattern[str], text: str) -> list[Span]:
    """Matches of a configured pattern; when it has groups, the first group that took part is what is masked."""
    return _pattern_spans(pattern, pattern.finditer(text))


Trigger = tuple[bytes, "re.Pattern[bytes] | None"]
"""Where a pattern can begin, in a text's sketch: at each occurrence of the bytes, where the pattern (if any) then
matches the sketch."""


def find_pattern_at(pattern: re.Pattern[str], triggers: Sequence[Trigger], text: str,
                    sketch: bytes | None = None) -> list[Span]:
    """What `find_pattern` finds, for a pattern that can begin only at its `triggers` in the text's sketch
    (`pii.classes.char_classes`): `bytes.find` jumps to them, where the regex engine would try every character."""
    sketch = char_classes(text) if sketch is None else sketch
    positions = []
    for needle, then in triggers:
        pos = sketch.find(needle)
        while pos != -1:
            if then is None or then.match(sketch, pos + len(needle)):
                positions.append(pos)
            pos = sketch.find(needle, pos + 1)
    if not positions:
        return []
    positions.sort()
    return _pattern_spans(pattern, matches_at(pattern, text, positions))


def _pattern_spans(pattern: re.Pattern[str], matches: Iterable[re.Match[str]]) -> list[Span]:
    spans: list[Span] = []
    for m in matches:
        group = next((i for i, g in enumerate(m.groups(), 1) if g), 0) if pattern.groups else 0
        start, end = m.span(group)
        if end > start:
            spans.append((start, end, m.group(group).strip().upper()))
    return spans
