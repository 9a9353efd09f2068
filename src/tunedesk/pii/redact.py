"""PII redaction for the clean stage: the reviewable rules in `redaction.yaml` and the `Redactor` that applies them.

Every detected value is replaced by a numbered placeholder (`<EMAIL_1>`), the same value getting the same
placeholder everywhere in a ticket, and every replacement is recorded as a `Redaction` so a person can audit and
tune the rules from the review page (see `tunedesk.clean.review`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Protocol

from tunedesk.errors import ConfigError
from tunedesk.pii import addresses, identifiers, names
from tunedesk.pii import patterns as pii
from tunedesk.pii.classes import CLASS_TABLE
from tunedesk.pii.fields import (
    apply_replacements,
    context_snippet,
    field_name,
    rebuild_ticket,
    split_by_field,
    ticket_texts,
)
from tunedesk.pii.rules import BUILTIN_KINDS as BUILTIN_KINDS
from tunedesk.pii.rules import DEFAULT_ORDER_PATTERN as DEFAULT_ORDER_PATTERN
from tunedesk.pii.rules import DEFAULT_RULES_PATH as DEFAULT_RULES_PATH
from tunedesk.pii.rules import DetectorRule, PresidioRule, RedactionRules
from tunedesk.pii.rules import load_redaction_rules as load_redaction_rules
from tunedesk.pii.scan import Allowlist, Candidate, Detector, NumberKind, detect, resolve
from tunedesk.records import Ticket

_BEFORE_ORDER_DIGITS = re.compile(rb"(?:[ ][a-z\x01\x02]+\.?)?[ \t]*[?\#]?[ \t]*\#?0{5}")
DEFAULT_ORDER_TRIGGERS = ((b"-00000", None), (b"#00000", None), (b"rder", _BEFORE_ORDER_DIGITS),
                          (b"hase", _BEFORE_ORDER_DIGITS))
"""Where a match of the default order pattern can begin, in the text's sketch (`pii.classes`): at each of its
literal starts, followed by what the pattern allows before the digits, in sketch classes or looser ("0" a digit,
"\\x01"/"\\x02" a capital, "?" a colon); see `pii.patterns.find_pattern_at`."""
PLACEHOLDER_TYPES = {"email": "EMAIL", "phone": "PHONE", "card": "CARD", "iban": "IBAN", "address": "ADDRESS",
                     "name": "NAME", "order_number": "ORDER", "national_id": "NATIONAL_ID", "date_of_birth": "DOB",
                     "ip_address": "IP", "username": "USERNAME", "account_number": "ACCOUNT"}
PRESIDIO_TYPES = {"PERSON": "name", "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "CREDIT_CARD": "card",
                  "IBAN_CODE": "iban"}
# Overlapping detections of the same length: the more specific detector wins.
PRIORITY = {"custom": 0, "card": 1, "iban": 2, "email": 3, "national_id": 3, "ip_address": 4, "phone": 4,
            "date_of_birth": 5, "order_number": 5, "account_number": 5, "username": 6, "address": 6, "name": 7,
            "presidio": 8}
CONTEXT_CHARS = 40
_BREAK = len(pii.FIELD_BREAK)
_NAME_PRIORITY = PRIORITY["name"]



@dataclass(frozen=True)
class Redaction:
    """One replaced value, with enough context for a person to judge whether the rule was right."""

    ticket_id: str
    field: str
    """Where in the ticket: "subject", "messages[2].body", "metadata.x"."""
    kind: str
    placeholder: str
    original: str
    context: str
    """About 40 characters either side on one line, the original marked as ⟦original⟧."""


_set_redaction_fields = vars(Redaction)["__dict__"].__set__


def _redaction(ticket_id: str, field: str, kind: str, placeholder: str, original: str, context: str) -> Redaction:
    """`Redaction(...)`: the same instance, its fields set in one go instead of one `object.__setattr__` each (the
    frozen dataclass's `__init__`); a ticket gets a few of them."""
    redaction = object.__new__(Redaction)
    _set_redaction_fields(redaction, {"ticket_id": ticket_id, "field": field, "kind": kind, "placeholder": placeholder,
                                      "original": original, "context": context})
    return redaction


class TicketState:
    """What one ticket's redaction remembers: placeholders given so far and the names of its people."""

    def __init__(self, known_names: Iterable[str] = ()) -> None:
        self.variants = pii.known_name_variants(known_names)
        self.aliases = {variant.casefold(): person for variant, person in self.variants.items()}
        self.placeholders: dict[tuple[str, str], str] = {}
        self.counts: dict[str, int] = {}

    def placeholder(self, ptype: str, key: str, fmt: str) -> str:
        """The placeholder for a value, numbering a new value of its type from 1."""
        found = self.placeholders.get((ptype, key))
        if found is None:
            n = self.counts[ptype] = self.counts.get(ptype, 0) + 1
            found = self.placeholders[(ptype, key)] = _placeholder_text(fmt, ptype, n)
        return found


@lru_cache(maxsize=1024)
def _placeholder_text(fmt: str, ptype: str, n: int) -> str:
    return fmt.format(type=ptype, n=n)  # cached: the same few placeholders come back on every ticket


Finder = Callable[[str], list[pii.Span]]
Replacement = tuple[int, int, str, str]
"""(start, end, kind, placeholder) of one accepted detection."""


class Redactor:
    """Applies redaction rules to text and tickets; build one per run and reuse it (patterns are compiled once)."""

    def __init__(self, rules: RedactionRules, allowlist: Iterable[str] = ()) -> None:
        self.rules = rules
        self._number_kinds = _number_kinds(rules)
        self._detectors = _builtin_detectors(rules) + _custom_detectors(rules)
        self._allowlist = Allowlist([*rules.allowlist, *allowlist], rules.allowlist_patterns)
        name = rules.name
        self._known = name.enabled and name.known
        self._name_mask = name.action == "mask"
        self._ambiguous = pii.AMBIGUOUS_NAMES | frozenset(name.ambiguous_names)
        self._presidio = _load_presidio() if rules.presidio.enabled else None

    @property
    def detectors(self) -> list[Detector]:
        """The detectors run besides the one pass over digit groups, in order (what a benchmark times one by one)."""
        return list(self._detectors)

    def redact_text(self, text: str, state: TicketState | None = None) -> tuple[str, list[tuple[str, str, str]]]:
        """Redact one text; returns the new text and (kind, placeholder, original) for each replacement."""
        state = state or TicketState()
        replacements = self._replacements(text, state)
        found = [(kind, placeholder, text[start:end]) for start, end, kind, placeholder in replacements]
        return apply_replacements(text, replacements), found

    def redact_texts(self, texts: Sequence[str]) -> list[str]:
        """The texts of one conversation redacted together (the server's reply log): a name found in one ("my
        husband Oluwaseun Adebayo") is masked wherever it recurs in the others ("thanks Oluwaseun"), and the same
        value gets the same placeholder in all of them."""
        names: list[str] = []
        first = TicketState()
        for text in texts:
            names += [original for kind, _, original in self.redact_text(text, first)[1] if kind == "name"]
        people = [*names, *(n.title() for n in names if not n.istitle())] if self._known else []
        state = TicketState(people)
        return [self.redact_text(text, state)[0] for text in texts]

    def redact_ticket(self, ticket: Ticket) -> tuple[Ticket, list[Redaction]]:
        """A copy of the ticket with subject, messages, authors and metadata strings redacted, participants dropped."""
        if self._known:
            people = [p.name for p in ticket.participants if p.name]  # the names its text may mention, then authors
            texts = ticket_texts(ticket, people)
        else:
            people, texts = [], ticket_texts(ticket)
        state = TicketState(people)
        replacements = self._replacements(pii.FIELD_BREAK.join(texts), state)
        redactions: list[Redaction] = []
        replaced: dict[int, str] = {}
        ticket_id = ticket.id
        for i, spans in split_by_field(texts, replacements, _BREAK).items():
            text, where = texts[i], field_name(ticket, i)
            redactions += [_redaction(ticket_id, where, kind, placeholder, text[start:end],
                                      context_snippet(text, start, end, CONTEXT_CHARS))
                           for start, end, kind, placeholder in spans]
            replaced[i] = apply_replacements(text, spans)
        return rebuild_ticket(ticket, replaced), redactions

    def _replacements(self, text: str, state: TicketState) -> list[Replacement]:
        """The accepted detections in a text, with their placeholders."""
        encoded = text.encode("ascii", "replace")  # one byte a character, for the allowlist and the sketch
        allowed = self._allowlist.spans(text, encoded)
        candidates = detect(text, self._number_kinds, self._detectors, allowed, encoded.translate(CLASS_TABLE))
        if self._known and state.variants:
            spans = pii.find_known_names(text, state.variants, self._ambiguous)
            if spans:
                found = [(s, e, _NAME_PRIORITY, "name", "NAME", key, self._name_mask) for s, e, key in spans]
                candidates = candidates + found if candidates else found
        if self._presidio is not None:
            candidates += _presidio_candidates(self._presidio, self.rules.presidio, text)
        if not candidates:
            return []
        chosen = resolve(candidates, allowed)
        aliases = state.aliases
        for c in chosen:
            if c[3] == "name" and " " in c[5]:
                for token in c[5].split():
                    aliases.setdefault(token, c[5])
        fmt = self.rules.placeholder
        return [(start, end, kind, state.placeholder(ptype, aliases.get(key, key) if kind == "name" else key, fmt))
                for start, end, _, kind, ptype, key, _ in chosen]


def _number_kinds(rules: RedactionRules) -> list[NumberKind]:
    """The enabled detectors served by the one pass over digit groups: where in `NumberSpans` their finds are,
    priority, kind, placeholder type and whether they mask."""
    rule_of = {"card": (rules.card, "cards"), "phone": (rules.phone, "phones"), "iban": (rules.iban, "ibans"),
               "address": (rules.address, "addresses")}
    return [NumberKind(pii.NumberSpans._fields.index(spans), PRIORITY[kind], kind, PLACEHOLDER_TYPES[kind],
                       rule.action == "mask") for kind, (rule, spans) in rule_of.items() if rule.enabled]


def _is_default_order(rules: RedactionRules) -> bool:
    return rules.order_number.pattern == DEFAULT_ORDER_PATTERN


def _builtin_detectors(rules: RedactionRules) -> list[Detector]:
    name = rules.name
    order = re.compile(rules.order_number.pattern)
    default_order = _is_default_order(rules)
    # (kind, rule, finder, whether the finder takes the text's sketch)
    finders: list[tuple[str, DetectorRule, Finder, bool]] = [
        ("email", rules.email, pii.find_emails, False),
        ("order_number", rules.order_number, partial(pii.find_pattern_at, order, DEFAULT_ORDER_TRIGGERS)
         if default_order else partial(pii.find_pattern, order), default_order),
    ]
    for enabled, finder, sketched in ((name.greetings, pii.find_greeting_names, True),
                                      (name.signoffs, pii.find_signoff_names, True),
                                      (name.self_intro, pii.find_self_intro_names, False)):
        if enabled:
            finders.append(("name", name, finder, sketched))
    finders += [(kind, rule, finder, sketched) for kind, rule, finder, sketched, on in _more_finders(rules) if on]
    return [
        Detector(finder, PRIORITY[kind], kind, PLACEHOLDER_TYPES[kind], rule.action == "mask", sketched)
        for kind, rule, finder, sketched in finders
        if rule.enabled
    ]


def _more_finders(rules: RedactionRules) -> list[tuple[str, DetectorRule, Finder, bool, bool]]:
    """The detectors of `pii.identifiers`, `pii.addresses` and `pii.names`: (kind, rule, finder, whether the finder
    takes the text's sketch, whether it is switched on)."""
    name = rules.name
    dob = partial(identifiers.find_dates_of_birth, latest_year=rules.date_of_birth.latest_year)
    return [("order_number", rules.order_number, identifiers.find_order_numbers, False, True),
            ("national_id", rules.national_id, identifiers.find_national_ids, True, True),
            ("date_of_birth", rules.date_of_birth, dob, True, True),
            ("ip_address", rules.ip_address, identifiers.find_ip_addresses, False, True),
            ("username", rules.username, identifiers.find_usernames, False, True),
            ("account_number", rules.account_number, identifiers.find_account_numbers, False, True),
            ("address", rules.address, addresses.find_street_addresses, True, True),
            ("address", rules.address, addresses.find_postcodes, True, True),
            ("name", name, names.find_cued_names, False, name.context),
            ("name", name, names.find_listed_names, False, name.name_list)]


def _custom_detectors(rules: RedactionRules) -> list[Detector]:
    return [Detector(partial(pii.find_pattern, re.compile(rule.pattern)), PRIORITY["custom"], rule.name,
                      rule.placeholder_type, rule.action == "mask") for rule in rules.custom]


class _PresidioResult(Protocol):
    """What redaction reads of a Presidio `RecognizerResult`."""

    entity_type: str
    start: int
    end: int


class _Presidio(Protocol):
    """What redaction calls of Presidio's `AnalyzerEngine` (an optional dependency)."""

    def analyze(self, *, text: str, entities: list[str], language: str,
                score_threshold: float) -> Sequence[_PresidioResult]: ...


def _load_presidio() -> _Presidio:
    try:
        from presidio_analyzer import AnalyzerEngine
    except ImportError:
        raise ConfigError("redaction rules", [
            "presidio.enabled: Presidio is not installed; run pip install 'tunedesk[presidio]' "
            "or set presidio.enabled: false (got True)"
        ]) from None
    return AnalyzerEngine()


def _presidio_candidates(engine: _Presidio, rule: PresidioRule, text: str) -> list[Candidate]:
    results = engine.analyze(text=text, entities=rule.entities, language=rule.language,
                             score_threshold=rule.score_threshold)
    found: list[Candidate] = []
    for r in results:
        kind = PRESIDIO_TYPES.get(r.entity_type, r.entity_type.lower())
        ptype = PLACEHOLDER_TYPES.get(kind, r.entity_type.upper())
        original = text[r.start : r.end]
        if original.strip() and pii.FIELD_BREAK not in original:
            found.append((r.start, r.end, PRIORITY["presidio"], kind, ptype, original.casefold(), True))
    return found
