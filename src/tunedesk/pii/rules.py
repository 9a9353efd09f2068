"""The workspace's redaction.yaml: its typed rules (validated, every problem reported at once), the documented
default `init` writes, and `load_redaction_rules` that clean and the server use."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from tunedesk.config.policies import format_validation_errors
from tunedesk.errors import ConfigError

DEFAULT_RULES_PATH = Path(__file__).with_name("redaction_default.yaml")
DEFAULT_RULES = DEFAULT_RULES_PATH
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
BUILTIN_KINDS = ("email", "phone", "card", "iban", "address", "name", "order_number", "national_id", "date_of_birth",
                 "ip_address", "username", "account_number")


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
    context: bool = True
    """Names after words that introduce a person, in any case: "my husband …", "signed for by …", "name's …",
    "it's …", "I'm …", a sign-off's last line, and before "from your team"."""
    name_list: bool = True
    """Capitalised given names from a multilingual list (Faker's) anywhere, with the surname after them."""


class DateOfBirthRule(DetectorRule):
    """Dates of birth: full dates after "born", "DOB", "date of birth" …, and any full date that far back."""

    latest_year: int = Field(default=2010, ge=1900, le=2100)
    """A full date with a year up to this one counts as a date of birth anywhere; later ones only after a cue."""


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
    """Postal addresses in any case: US, UK, AU, CA and European street lines with town and postcode, "City, ST
    12345", UK and Canadian postcodes, and postcodes after "postcode"/"zip"."""
    name: NameRule = Field(default_factory=NameRule)
    """Person names."""
    order_number: OrderNumberRule = Field(default_factory=OrderNumberRule)
    """Order numbers (TH-104233, order #12345678), and any number after "order/invoice/booking number"."""
    national_id: DetectorRule = Field(default_factory=DetectorRule)
    """US social security numbers (123-45-6789) and UK National Insurance numbers (QQ 12 34 56 C)."""
    date_of_birth: DateOfBirthRule = Field(default_factory=DateOfBirthRule)
    """Dates of birth (14/03/1987, March 14, 1987)."""
    ip_address: DetectorRule = Field(default_factory=DetectorRule)
    """IPv4 and IPv6 addresses."""
    username: DetectorRule = Field(default_factory=DetectorRule)
    """Social handles (@name) and usernames after "username", "login", "handle", "logged in as"."""
    account_number: DetectorRule = Field(default_factory=DetectorRule)
    """Account, customer, membership and loyalty numbers after the words that name them."""
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



def default_redaction_yaml(allowlist: Iterable[str] = ()) -> str:
    """The commented default rules, with the brand's own contacts in the allowlist."""
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    items = list(allowlist)
    if items:
        block = "allowlist:\n" + "".join(f"  - {json.dumps(item, ensure_ascii=False)}\n" for item in items)
        if "\nallowlist: []\n" not in text:
            raise AssertionError("redaction_default.yaml must contain an `allowlist: []` line")
        text = text.replace("\nallowlist: []\n", "\n" + block, 1)
    return text
