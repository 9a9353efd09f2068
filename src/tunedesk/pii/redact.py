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
from pathlib import Path
from typing import Annotated, Literal, Protocol

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from tunedesk.config.policies import format_validation_errors
from tunedesk.errors import ConfigError
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
from tunedesk.pii.scan import Allowlist, Candidate, Detector, NumberKind, detect, resolve
from tunedesk.records import Ticket

DEFAULT_RULES_PATH = Path(__file__).with_name("redaction_default.yaml")
# Verbose regex (spaces ignored, # starts a comment). It starts with literal alternatives ('-', 'rder', 'hase',
# '#') so the regex engine can jump straight to possible starts; lookbehinds check the text before. Only the digits
# are replaced: "TH-<ORDER_1>", "order #<ORDER_2>".
DEFAULT_ORDER_PATTERN = r"""(?x)
(?: - | rder | hase | \# )
(?: (?<=[A-Z][A-Z]-) ([0-9]{5,10}) (?![A-Za-z0-9-])                                  # TH-104233
  | (?: (?<=[Oo]rder) (?<![A-Za-z0-9][Oo]rder) | (?<=[Pp]urchase) (?<![A-Za-z0-9][Pp]urchase) )
    (?:[ ](?:no\.?|number|num\.?|id|ID))? [ \t]* [:\#]? [ \t]* \#? ([0-9]{5,12}) \b  # order 12345678, purchase 12345678
  | (?<![A-Za-z0-9&]\#) (?<=\#) ([0-9]{5,12}) \b                                  # #12345678
)
"""
_BEFORE_ORDER_DIGITS = re.compile(rb"(?:[ ][a-z\x01\x02]+\.?)?[ \t]*[?\#]?[ \t]*\#?0{5}")
DEFAULT_ORDER_TRIGGERS = ((b"-00000", None), (b"#00000", None), (b"rder", _BEFORE_ORDER_DIGITS),
                          (b"hase", _BEFORE_ORDER_DIGITS))
"""Where a match of the default order pattern can begin, in the text's sketch (`pii.classes`): at each of its
literal starts, followed by what the pattern allows before the digits, in sketch classes or looser ("0" a digit,
"\\x01"/"\\x02" a capital, "?" a colon); see `pii.patterns.find_pattern_at`."""
BUILTIN_KINDS = ("email", "phone", "card", "iban", "address", "name", "order_number")
PLACEHOLDER_TYPES = {"email": "EMAIL", "phone": "PHONE", "card": "CARD", "iban": "IBAN", "address": "ADDRESS",
                     "name": "NAME", "order_number": "ORDER"}
PRESIDIO_TYPES = {"PERSON": "name", "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "CREDIT_CARD": "card",
                  "IBAN_CODE": "iban"}
# Overlapping detections of the same length: the more specific detector wins.
PRIORITY = {"custom": 0, "card": 1, "iban": 2, "email": 3, "phone": 4, "order_number": 5, "address": 6, "name": 7,
            "presidio": 8}
CONTEXT_CHARS = 40
_BREAK = len(pii.FIELD_BREAK)
_NAME_PRIORITY = PRIORITY["name"]


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    return pattern


RegexText = Annotated[str, AfterValidator(_compiles)]
Action = Literal["mask", "keep"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class DetectorRule(_Strict):
    """A built-in detector: whether it runs and what happens to what it finds."""

    enabled: bool = True
    """Run this detector at all."""
    action: Action = "mask"
    """mask: replace with a placeholder. keep: leave the text as it is (and let no other detector mask it)."""


class NameRule(DetectorRule):
    """Person names, found where names stand and from the ticket's own participants."""

    greetings: bool = True
    """Names after a greeting: "Hi Maria,", "Dear Mr. Lopez", "Hello Anna Schmidt"."""
    signoffs: bool = True
    """A short name line after "Thanks,", "Best,", "Cheers," … at the end of a message."""
    self_intro: bool = True
    """Names people give themselves: "my name is …", "this is … from"."""
    known: bool = True
    """The names of the ticket's participants and message authors, wherever they occur (case-sensitive)."""
    ambiguous_names: list[str] = Field(default_factory=list)
    """More names that are also ordinary words; like the built-in May, Will, Bill they count only in name positions."""


class OrderNumberRule(DetectorRule):
    """Order numbers: they identify a customer's purchase, so they are masked by default (privacy by default)."""

    pattern: RegexText = DEFAULT_ORDER_PATTERN
    """Regular expression; when it has groups, only the first group that matched is replaced ("order #<ORDER_1>")."""


class CustomRule(_Strict):
    """A company-specific identifier: member ids, RMA numbers, licence keys."""

    name: str = Field(min_length=1)
    """Short name of the rule, shown as the kind in the review page."""
    pattern: RegexText
    """Regular expression; when it has groups, only the first group that matched is replaced."""
    placeholder_type: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    """Upper-case type in the placeholder: MEMBER gives <MEMBER_1>."""
    action: Action = "mask"
    """mask or keep, as for the built-in detectors."""


class PresidioRule(_Strict):
    """Microsoft Presidio as an extra detector (slow, about 60 ms a ticket; needs `tunedesk[presidio]`)."""

    enabled: bool = False
    """Run Presidio's analyzer as well as the built-in detectors."""
    entities: list[str] = Field(default_factory=lambda: ["PERSON", "LOCATION"])
    """Presidio entity types to mask; PERSON counts as a name, EMAIL_ADDRESS as an email, and so on."""
    score_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    """Presidio results scoring below this are ignored."""
    language: str = "en"
    """Language of the tickets, as Presidio names it."""


class RedactionRules(_Strict):
    """The whole redaction.yaml."""

    placeholder: str = "<{type}_{n}>"
    """Format of a placeholder: {type} is EMAIL, PHONE, …; {n} numbers values from 1 per type and ticket."""
    email: DetectorRule = Field(default_factory=DetectorRule)
    """Email addresses."""
    phone: DetectorRule = Field(default_factory=DetectorRule)
    """Phone numbers: +CC international, (area code), and common national shapes."""
    card: DetectorRule = Field(default_factory=DetectorRule)
    """Payment card numbers (13–19 digits that pass the Luhn check)."""
    iban: DetectorRule = Field(default_factory=DetectorRule)
    """IBANs that pass the mod-97 check."""
    address: DetectorRule = Field(default_factory=DetectorRule)
    """Postal addresses: US street lines (unit, city, state, ZIP), "City, ST 12345", UK postcodes."""
    name: NameRule = Field(default_factory=NameRule)
    """Person names."""
    order_number: OrderNumberRule = Field(default_factory=OrderNumberRule)
    """Order numbers (TH-104233, order #12345678)."""
    custom: list[CustomRule] = Field(default_factory=list)
    """Company-specific identifiers, each with its own pattern and placeholder type."""
    allowlist: list[str] = Field(default_factory=list)
    """Exact strings (compared ignoring case) never replaced: the brand's support address, URLs, phone, address."""
    allowlist_patterns: list[RegexText] = Field(default_factory=list)
    """Regular expressions whose matches are never replaced, e.g. any address at the brand's domain."""
    presidio: PresidioRule = Field(default_factory=PresidioRule)
    """Optional extra detector."""

    @field_validator("placeholder")
    @classmethod
    def _placeholder_formats(cls, value: str) -> str:
        try:
            sample = value.format(type="EMAIL", n=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"placeholder may use only {{type}} and {{n}} ({exc})") from None
        if not sample.strip():
            raise ValueError("placeholder must not be empty")
        return value

    @field_validator("custom")
    @classmethod
    def _custom_names_unique(cls, rules: list[CustomRule]) -> list[CustomRule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.name in seen or rule.name in BUILTIN_KINDS:
                raise ValueError(f"custom rule name {rule.name!r} is used twice or by a built-in detector")
            seen.add(rule.name)
        return rules


def load_redaction_rules(path: Path) -> RedactionRules:
    """Read and validate redaction.yaml, reporting every problem at once."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(str(path), [f"cannot read: {exc}"]) from None
    try:
        return RedactionRules.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(str(path), format_validation_errors(exc)) from None


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

    def redact_text(self, text: str, state: TicketState | None = None) -> tuple[str, list[tuple[str, str, str]]]:
        """Redact one text; returns the new text and (kind, placeholder, original) for each replacement."""
        state = state or TicketState()
        replacements = self._replacements(text, state)
        found = [(kind, placeholder, text[start:end]) for start, end, kind, placeholder in replacements]
        return apply_replacements(text, replacements), found

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
    return [
        Detector(finder, PRIORITY[kind], kind, PLACEHOLDER_TYPES[kind], rule.action == "mask", sketched)
        for kind, rule, finder, sketched in finders
        if rule.enabled
    ]


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
