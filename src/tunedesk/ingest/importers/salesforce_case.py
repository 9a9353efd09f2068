"""Salesforce Service Cloud: one Case with its CaseComment and EmailMessage children → Ticket.

Shared by the CSV-export and REST-API readers of the `salesforce` importer, which hand over every record as a dict
of lower-cased field names (`subject`, `contact.email` for a relationship field); CSV values are text, JSON values
typed. A bad field of the case or of one of its children is a RecordError naming the child and the field: the
whole case is quarantined, so a thread is never imported with a hole in it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import getaddresses

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tunedesk.errors import RecordError
from tunedesk.ingest.importers.chatjsonl import parse_timestamp
from tunedesk.ingest.importers.fields import chronological, participants, scalars
from tunedesk.records import Message, Role, Ticket
from tunedesk.text.html import html_body_text
from tunedesk.text.reply import extract_reply

FieldMap = dict[str, object]
People = list[tuple[object, object, Role]]
CHILD_TYPES = ("CaseComment", "EmailMessage")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_DRAFT_STATUS = "5"  # EmailMessage.Status: 0 new, 1 read, 2 replied, 3 sent, 4 forwarded, 5 draft
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_NULL_ID = "0" * 15
_SPACES = re.compile(r"\s+")


class SalesforceOptions(BaseModel):
    """Options of the `salesforce` importer."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    source_name: str = Field(default="salesforce", pattern=r"^[^:\s]+$")
    """Prefix of ticket ids (`salesforce:<18-character Case Id>`); set it to tell two orgs apart."""
    encoding: str = "utf-8"
    """Text encoding of CSV and JSON files, any Python codec name (Data Export can write ISO-8859-1)."""
    category_fields: list[str] = Field(default_factory=lambda: ["Type", "Reason"])
    """Case fields holding the category, first non-empty wins (a custom field such as `Product__c` works too)."""
    csat_field: str | None = None
    """A custom Case field holding customer satisfaction on a 1–5 scale (`CSAT__c`); unset: none."""
    customer_user_ids: list[str] = Field(default_factory=list)
    """User ids of portal or community users: their published CaseComments are the customer's, not an agent's."""
    extract_replies: bool = True
    """Remove quoted history and signatures from EmailMessage bodies, as the `email` importer does."""

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}") from None
        return value


@dataclass(frozen=True)
class Child:
    """A CaseComment or EmailMessage waiting for its case, labelled with where it was read."""

    kind: str
    label: str
    fields: FieldMap


def sf_id(value: object) -> str | None:
    """A Salesforce record id in its 18-character form (a 15-character id gets its case-safe suffix), or None for
    an empty value or the null id Data Export writes for an empty lookup (`000000000000000AAA`)."""
    if not isinstance(value, str) or not value.strip() or is_null_id(value):
        return None
    value = value.strip()
    if len(value) != 15 or not value.isalnum():
        return value
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << i for i, char in enumerate(value[start:start + 5]) if "A" <= char <= "Z")
        suffix += _ID_ALPHABET[bits]
    return value + suffix


def is_null_id(value: str) -> bool:
    """True for the all-zero id (15 or 18 characters, any suffix) that stands for an empty lookup field."""
    value = value.strip()
    return len(value) in (15, 18) and value[:15] == _NULL_ID


def case_ticket(fields: FieldMap, children: Iterable[Child], options: SalesforceOptions) -> Ticket:
    """The Ticket of one Case: its Description first, then comments and emails in time order."""
    external = sf_id(text(fields, "Id"))
    if external is None:
        raise RecordError("missing required field", field="Id")
    created_at = when(fields, "CreatedDate")
    thread: list[Message] = []
    people: People = []
    contacts = {str(address).lower() for _, address, role in _case_people(fields) if address and role == Role.customer}
    for child in children:
        message = _child_message(child, options, people, contacts)
        if message is not None:
            thread.append(message)
    messages = _with_description(fields, created_at, thread)
    return Ticket(
        id=Ticket.make_id(options.source_name, external), source=options.source_name, external_id=external,
        subject=text(fields, "Subject") or "", messages=chronological(messages),
        participants=participants([*_case_people(fields), *people]), category=_category(fields, options),
        status=_lower(text(fields, "Status")), csat=_csat(fields, options.csat_field),
        channel=_lower(text(fields, "Origin")), created_at=created_at,
        updated_at=when(fields, "LastModifiedDate") or when(fields, "ClosedDate"),
        metadata=_metadata(fields, messages),
    )


def _with_description(fields: FieldMap, created_at: datetime | None, thread: list[Message]) -> list[Message]:
    """The Description as the customer's first message, unless Email-to-Case copied it from the first email."""
    description = text(fields, "Description")
    if not description:
        return thread
    first_email = next((m for m in chronological(thread) if m.role == Role.customer), None)
    if first_email is not None and _same_text(description, first_email.body):
        return thread
    opening = Message(role=Role.customer, body=description, author=lookup(fields, "ContactId"), created_at=created_at)
    return [opening, *thread]


def _same_text(a: str, b: str) -> bool:
    a, b = _SPACES.sub(" ", a).strip(), _SPACES.sub(" ", b).strip()
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


def _child_message(child: Child, options: SalesforceOptions, people: People, contacts: set[str]) -> Message | None:
    try:
        if child.kind == "CaseComment":
            return _comment(child.fields, options)
        return _email(child.fields, options, people, contacts)
    except RecordError as exc:
        raise RecordError(f"{child.label}: {exc.reason}", field=exc.field) from None


def _comment(fields: FieldMap, options: SalesforceOptions) -> Message | None:
    """A published comment is a public reply; an unpublished one an internal note (clean strips it)."""
    body = text(fields, "CommentBody", strip=False)
    if not body or not body.strip():
        return None
    author = lookup(fields, "CreatedById") or text(fields, "CreatedBy.Name")  # a query may select only the name
    published = flag(fields, "IsPublished") is True  # absent: internal, so nothing private reaches training
    if not published:
        role = Role.note
    else:
        customers = {sf_id(i) for i in options.customer_user_ids}
        role = Role.customer if sf_id(author) in customers else Role.agent
    return Message(role=role, body=body.strip(), author=author, created_at=when(fields, "CreatedDate"),
                   public=published)


def _email(fields: FieldMap, options: SalesforceOptions, people: People, contacts: set[str]) -> Message | None:
    """Incoming emails are the customer's, outgoing the agent's; an unsent draft is an internal note. A query that
    did not select `Incoming` is read by the addresses: from the case's contact is incoming, to it outgoing."""
    incoming = flag(fields, "Incoming")
    if incoming is None:
        incoming = _direction(fields, contacts)
    body = text(fields, "TextBody", strip=False) or html_body_text(text(fields, "HtmlBody", strip=False) or "")
    if options.extract_replies:
        body = extract_reply(body)
    if not body.strip():
        return None
    draft = text(fields, "Status") == _DRAFT_STATUS
    role = Role.note if draft else Role.customer if incoming else Role.agent
    sender = (text(fields, "FromName"), text(fields, "FromAddress"))
    people.append((*sender, Role.customer if incoming else Role.agent))
    if not incoming:
        recipients = getaddresses([text(fields, "ToAddress") or ""])
        people.extend((name, address, Role.customer) for name, address in recipients)
    created_at = when(fields, "MessageDate") or when(fields, "CreatedDate")
    return Message(role=role, body=body.strip(), author=sender[0] or sender[1], created_at=created_at,
                   public=not draft)


def _direction(fields: FieldMap, contacts: set[str]) -> bool:
    """Whether an email without `Incoming` came from the customer: its sender, or else its recipients, are the
    case's contact (SuppliedEmail, Contact.Email, ContactEmail)."""
    if (text(fields, "FromAddress") or "").lower() in contacts:
        return True
    if {address.lower() for _, address in getaddresses([text(fields, "ToAddress") or ""])} & contacts:
        return False
    raise RecordError("missing required field (true for the customer's emails), and neither FromAddress nor "
                      "ToAddress is the case's contact email", field="Incoming")


def _case_people(fields: FieldMap) -> list[tuple[object, object, Role]]:
    return [
        (text(fields, "SuppliedName"), text(fields, "SuppliedEmail"), Role.customer),
        (text(fields, "Contact.Name"), text(fields, "Contact.Email") or text(fields, "ContactEmail"), Role.customer),
        (text(fields, "Owner.Name"), text(fields, "Owner.Email"), Role.agent),
    ]


def _category(fields: FieldMap, options: SalesforceOptions) -> str | None:
    return next((value for key in options.category_fields if (value := text(fields, key))), None)


def _csat(fields: FieldMap, key: str | None) -> float | None:
    value = fields.get(key.lower()) if key else None
    if value is None or value == "":
        return None
    try:
        score = float(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
    except ValueError:
        score = None
    if score is None:
        raise RecordError(f"not a number: {str(value)[:50]!r}", field=key)
    if not 1 <= score <= 5:
        raise RecordError(f"CSAT {score:g} is outside the 1–5 scale", field=key)
    return score


def _metadata(fields: FieldMap, messages: list[Message]) -> dict[str, str | int | float]:
    """Case fields worth keeping; never names or emails."""
    closed = when(fields, "ClosedDate")
    return scalars({
        "case_number": text(fields, "CaseNumber"), "priority": text(fields, "Priority"),
        "origin": text(fields, "Origin"), "type": text(fields, "Type"), "reason": text(fields, "Reason"),
        "is_escalated": flag(fields, "IsEscalated"), "owner_id": lookup(fields, "OwnerId"),
        "account_id": lookup(fields, "AccountId"), "contact_id": lookup(fields, "ContactId"),
        "closed_at": closed.isoformat() if closed else None,
        "internal_notes": sum(1 for m in messages if not m.public) or None,
    })


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


# ---------------------------------------------------------------- typed access to text or JSON values


def text(fields: Mapping[str, object], key: str, strip: bool = True) -> str | None:
    """A text field (numbers written out); empty → None."""
    value = fields.get(key.lower())
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return (value.strip() or None) if strip else value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise RecordError(f"expected text, got {type(value).__name__}", field=key)


def lookup(fields: Mapping[str, object], key: str) -> str | None:
    """A lookup (id) field as written; empty or the null id → None."""
    value = text(fields, key)
    return None if value is None or is_null_id(value) else value


def flag(fields: Mapping[str, object], key: str) -> bool | None:
    """A checkbox field: JSON true/false or CSV true/false/1/0; empty → None."""
    value = fields.get(key.lower())
    if value is None or value == "" or isinstance(value, bool):
        return value if isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise RecordError(f"expected true or false, got {str(value)[:30]!r}", field=key)


def when(fields: Mapping[str, object], key: str) -> datetime | None:
    """A date/time field (`2024-05-06T09:15:00.000+0000`, `2024-05-06 09:15:00`, …) in UTC when no zone is given."""
    value = text(fields, key)
    if value is None:
        return None
    parsed = parse_timestamp(value)
    if parsed is None:
        raise RecordError(f"not a date/time: {value[:40]!r}", field=key)
    return parsed
