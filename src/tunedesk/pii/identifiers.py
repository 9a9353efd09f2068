"""National ids (US SSN, UK NI number), dates of birth, IP addresses, usernames and handles, and account and order
numbers given after a word that names them: finders over a whole text.

Every finder returns `(start, end, key)` spans like those of `pii.patterns`. Most do not scan the text with their
full pattern: they look up their cue words (`pii.classes.cue_positions`) or their digit shapes in the text's sketch
(a bytes pattern that starts with the literal "0", scanned fast), and match the full pattern only there.
"""

from __future__ import annotations

import ipaddress
import re

from tunedesk.pii.classes import LowerPattern, char_classes, cue_positions, word_set_of
from tunedesk.pii.names import common_words, not_a_name
from tunedesk.pii.numbers import Span, digit_runs

_SSN = re.compile(r"(?!000|666|9[0-9]{2})([0-9]{3})([- ])(?!00)[0-9]{2}\2(?!0000)[0-9]{4}(?![\w-])")
_SSN_SHAPE = re.compile(rb"0\x03\x03([- ])0\x03(?:\1)0\x03\x03\x03")
_SSN_CUED = LowerPattern(
    r"(?:ssn|social security(?: number| no\.?)?|social)[ \t]*(?:is|:|#)?[ \t]*"
    r"([0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4})(?![\w-])"
)
_SSN_CUES = frozenset({"ssn", "social"})
_NI = LowerPattern(
    r"(?:qq|(?!bg|gb|nk|kn|tn|nt|zz)[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z])(?: ?[0-9]{2}){3} ?[a-d](?![\w-])"
)
_NI_SHAPE = re.compile(rb"0\x03(?: 0\x03 0\x03|\x03{4}) ?[a-d\x01\x02](?![a-z\x01\x020])")


def find_national_ids(text: str, sketch: bytes | None = None) -> list[Span]:
    """US social security numbers (123-45-6789, or any 9 digits after 'SSN') and UK NI numbers (QQ 12 34 56 C)."""
    runs = digit_runs(char_classes(text) if sketch is None else sketch)
    spans = []
    for shape in _SSN_SHAPE.finditer(runs):
        m = _SSN.match(text, shape.start())
        before = text[shape.start() - 1 : shape.start()]
        if m and not (before.isalnum() or before in ("-", ".", "/")):
            spans.append((m.start(), m.end(), re.sub(r"[- ]", "", m.group())))
    for pos in cue_positions(text, _SSN_CUES):
        if m := _SSN_CUED.match(text, pos):
            spans.append((m.start(1), m.end(1), re.sub(r"[- ]", "", m.group(1))))
    for shape in _NI_SHAPE.finditer(runs):
        for start in (shape.start() - 3, shape.start() - 2):
            m = _NI.match(text, start) if start >= 0 and not text[start - 1 : start].isalnum() else None
            if m:
                spans.append((m.start(), m.end(), m.group().replace(" ", "").upper()))
                break
    return spans


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTHS = word_set_of(
    """jan january feb february mar march apr april may jun june jul july aug august sep sept september oct
    october nov november dec december"""
)
_DATE = LowerPattern(
    r"(?:"
    r"(?P<d1>[0-9]{1,2})[/.-][0-9]{1,2}[/.-](?P<y1>[0-9]{4}|[0-9]{2})"  # 14/03/1987, 03-14-87, 14.03.1987
    r"|(?P<y2>[0-9]{4})-[0-9]{1,2}-[0-9]{1,2}"  # 1987-03-14
    rf"|{_MONTH}[ \t]+[0-9]{{1,2}}(?:st|nd|rd|th)?,?[ \t]+(?P<y3>[0-9]{{4}})"  # March 14, 1987
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{_MONTH},?[ \t]+(?P<y4>[0-9]{{4}})"  # 14 March 1987
    r")(?![\w/-]|\.[0-9])"
)
_NUMERIC_DATE_SHAPE = re.compile(rb"0\x03?[/.\-]0\x03?[/.\-]0\x03|0\x03\x03\x03-0")
_DAY_BEFORE_MONTH = re.compile(r"[0-9]{1,2}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?\Z")
_BIRTH_CUE = LowerPattern(
    r"(?:\bborn|\bbirth ?(?:date|day)|\bdate of birth|\bd\.?o\.?b\.?|\bbday)\b\W{0,3}"
    r"(?:(?:is|was|on|in|:)\W{1,3}){0,2}$"
)


def find_dates_of_birth(text: str, sketch: bytes | None = None, latest_year: int = 2010) -> list[Span]:
    """Full dates after 'born', 'DOB', 'date of birth' …, and any full date with a year up to `latest_year` (a
    date that far back in a support ticket is almost always a birth date; recent order dates stay)."""
    runs = digit_runs(char_classes(text) if sketch is None else sketch)
    starts = {m.start() for m in _NUMERIC_DATE_SHAPE.finditer(runs)}
    for pos in cue_positions(text, _MONTHS):
        day = _DAY_BEFORE_MONTH.search(text, max(0, pos - 12), pos)
        starts.add(day.start() if day else pos)
    spans = []
    for start in sorted(starts):
        m = _DATE.match(text, start)
        if m is None or (start and (text[start - 1].isalnum() or text[start - 1] in "./-")):
            continue
        year_text = m.group("y1") or m.group("y2") or m.group("y3") or m.group("y4")
        year = int(year_text) if len(year_text) == 4 else None
        cued = _BIRTH_CUE.search(text, max(0, start - 24), start) is not None
        if cued or (year is not None and 1900 <= year <= latest_year):
            spans.append((start, m.end(), m.group().casefold()))
    return spans


_IPV4 = re.compile(r"(?<![\w.])(?<!version )(?<!v)(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![\w]|\.[0-9])")
_IPV4_QUICK = re.compile(r"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]")  # starts with a literal: scanned fast
_IPV6 = LowerPattern(r"(?<![\w:])(?:[0-9a-f]{1,4}:){1,7}(?::|(?::[0-9a-f]{1,4}){1,7}|[0-9a-f]{1,4})(?![\w:])")
_IPV6_QUICK = re.compile(r":[0-9a-fA-F]{0,4}:")


def find_ip_addresses(text: str) -> list[Span]:
    """IPv4 (four octets up to 255, not after 'v' or 'version') and IPv6 addresses (full or with '::')."""
    spans = []
    for m in _IPV4.finditer(text) if _IPV4_QUICK.search(text) else ():
        if all(int(octet) <= 255 for octet in m.group().split(".")):
            spans.append((m.start(), m.end(), m.group()))
    for m in _IPV6.finditer(text) if _IPV6_QUICK.search(text) else ():
        if _is_ipv6(m.group()):
            spans.append((m.start(), m.end(), m.group().lower()))
    return spans


def _is_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return any(c.isalpha() for c in value) or "::" in value or value.count(":") == 7


_HANDLE = re.compile(r"(?<![\w@.+-])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,28}[A-Za-z0-9_])?(?![\w@-]|\.[A-Za-z])")
_USER_CUED = LowerPattern(
    r"(?P<cue>user ?name|user ?id|user|login|log-in|handle|screen ?name|gamertag|logged in as|signed in as|"
    r"account handle)\b[ \t]*(?P<sep>is[ \t]+|was[ \t]+|:[ \t]*|=[ \t]*|-[ \t]+)?"
    r"(?P<value>@?[a-z0-9][\w.-]{1,30}[a-z0-9_])"
)
_USER_CUES = frozenset({"user", "username", "userid", "login", "log", "handle", "screen", "screenname", "gamertag",
                        "logged", "signed", "account"})
_ON_SITE = LowerPattern(r"(?<![\w@.])(@?[a-z0-9][\w.-]{1,30}[a-z0-9_])[ \t]+on[ \t]+(?:your|the)[ \t]+\Z")
_SITE_CUES = frozenset({"forum", "app", "site", "website", "community", "discord", "server"})
_LOOSE_CUES = frozenset({"user", "login", "log-in", "handle"})
"""Cues that precede ordinary words too ('user profile', 'login page', 'handle refunds'): a plain word after them
needs 'is' or ':'."""
_SELF_BEFORE = LowerPattern(r"(?<!\w)(?:i'?m|i’m|i am)[ \t]+\Z")
_NOT_USERNAMES = frozenset({"is", "was", "the", "a", "an", "my", "your", "name", "and", "on", "in", "for", "from",
                            "at", "to", "of", "it", "this", "that", "not"})


def find_usernames(text: str) -> list[Span]:
    """Social handles (@trail_fan), and usernames after 'username', 'login', 'handle', 'logged in as' … or before
    'on your forum/app'. A word without a digit, '_', '.' or '@' counts only in lower case, not a common word, and
    after 'is'/':' when the cue is a loose one ('user', 'login'), or after "I'm" when it comes before 'on your …'."""
    spans = [(m.start(), m.end(), m.group().lower()) for m in _HANDLE.finditer(text)] if "@" in text else []
    for pos in cue_positions(text, _USER_CUES):
        m = _USER_CUED.match(text, pos)
        if m is not None:
            cued = m.group("sep") is not None or (m.group("cue") not in _LOOSE_CUES and _ends_phrase(text, m.end()))
            _add_username(text, m.start("value"), m.end("value"), cued, spans)
    for pos in cue_positions(text, _SITE_CUES):
        m = _ON_SITE.search(text, max(0, pos - 48), pos)
        if m is not None:
            _add_username(text, m.start(1), m.end(1), _SELF_BEFORE.search(text, 0, m.start(1)) is not None, spans)
    return spans


def _ends_phrase(text: str, end: int) -> bool:
    """Nothing but punctuation or a line end follows: 'username xweix.' ends there, 'username associated with' not."""
    after = text[end : end + 2]
    return not after or after[0] in "\n.,;:!?)" or after in (" -", " (")


def _add_username(text: str, start: int, end: int, cued: bool, spans: list[Span]) -> None:
    value = text[start:end]  # the match is of the lower-cased text
    if value.lower() in _NOT_USERNAMES:
        return
    marked = any(c in value for c in "0123456789_.@")
    if marked or (value.islower() and not not_a_name(value, common_words()) and cued):
        spans.append((start, end, value.lower()))


_PREFIX = re.compile(r"[a-z]{1,3}-", re.IGNORECASE)
_REFERENCE = r"(#?[ \t]*(?:[a-z]{1,3}-?)?[0-9][0-9 -]{2,18}[0-9](?![\w-]))"
_NUMBER_WORDS = r"(?:[ \t]+(?:number|no|num|id|ref|reference|#))?\.?[ \t]*(?:is[ \t]+|:[ \t]*|#[ \t]*)?"
_ACCOUNT = LowerPattern(
    r"(?:account|acct|customer|member(?:ship)?|loyalty|client|subscriber|policy)\.?" + _NUMBER_WORDS + _REFERENCE
)
_ACCOUNT_CUES = frozenset({"account", "acct", "customer", "member", "membership", "loyalty", "client", "subscriber",
                           "policy"})
_ORDER = LowerPattern(r"(?:order|purchase|invoice|receipt|booking|confirmation)\.?" + _NUMBER_WORDS + _REFERENCE)
_ORDER_CUES = frozenset({"order", "purchase", "invoice", "receipt", "booking", "confirmation"})


def find_account_numbers(text: str) -> list[Span]:
    """Account, customer, membership and loyalty numbers after the words that name them ('account no: 12345678',
    'customer ID CU-448812'); at least four digits, so 'member since 2019' is not one."""
    return _references(_ACCOUNT, _ACCOUNT_CUES, text)


def find_order_numbers(text: str) -> list[Span]:
    """Order, invoice and booking numbers after the words that name them ('Order No. 1234567', 'my order number
    is 98765432'); the configured order_number pattern finds the shapes of the workspace's own numbers."""
    return _references(_ORDER, _ORDER_CUES, text)


def _references(pattern: LowerPattern, cues: frozenset[str], text: str) -> list[Span]:
    spans = []
    for pos in cue_positions(text, cues):
        m = pattern.match(text, pos)
        if m is None:
            continue
        value = m.group(1).lstrip("# \t")
        if (prefix := _PREFIX.match(value)) is not None:  # only the digits of 'TH-104233', as the order pattern does
            value = value[prefix.end() :]
        digits = sum(c.isdigit() for c in value)
        if digits >= 4 and not re.fullmatch(r"(?:19|20)[0-9]{2}", value):
            start = m.end(1) - len(value)
            spans.append((start, m.end(1), re.sub(r"[ -]", "", value).upper()))
    return spans
