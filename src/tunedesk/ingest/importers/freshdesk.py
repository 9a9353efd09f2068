"""Freshdesk (API v2, and v1 `helpdesk_ticket` payloads) → Ticket.

Records (one outcome each): a ticket object (`ticket_1.json`, `?include=conversations`, v1 `{"helpdesk_ticket"}` with
embedded `notes`), every ticket of a list (`all_tickets.json`) or of search results (`{"total", "results"}`), and
every line of an NDJSON file of tickets. Auxiliary payloads are consumed, not counted: conversations
(`conversations.json`, `reply_1.json`, `note_1.json`; each names its `ticket_id`) are joined to their tickets across
all files read — one Rejected per ticket whose conversations were read without the ticket — and contacts and agents
give participant names and roles. Solution articles belong to the `kb` importer: `sniff` leaves them alone and
reading one explicitly rejects the file. Any other payload (groups, companies, time entries, …) is one Rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import partial
from pathlib import Path
from typing import ClassVar, cast

from pydantic import Field

from tunedesk.errors import RecordError
from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject
from tunedesk.ingest.importers.fields import (
    as_dict,
    chronological,
    get_bool,
    get_dict,
    get_id,
    get_list,
    get_str,
    get_time,
    participants,
    require_id,
    safe_id,
    safe_str,
    scalars,
    str_list,
)
from tunedesk.ingest.importers.payload import ApiOptions, PendingParts, Unit, payload_keys, read_api_files, unique_parts
from tunedesk.records import ImportedRecord, Message, Participant, Rejected, Role, Ticket
from tunedesk.text.html import html_body_text

STATUS_NAMES = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
SOURCE_CHANNELS = {1: "email", 2: "portal", 3: "phone", 7: "chat", 9: "feedback_widget", 10: "outbound_email"}
KB_REASON = "Freshdesk solution articles: ingest them with --format kb"

_TICKET_MARKS = re.compile(r'"(responder_id|helpdesk_ticket|fr_escalated|ticket_scope|helpdesk_agent)"\s*:')
_CONVERSATION_MARKS = re.compile(r'"incoming"\s*:')
_ARTICLE_MARKS = re.compile(r'"(folder_id|seo_data|thumbs_up)"\s*:')
_TICKET_KEYS = ("subject", "description_text", "description_html", "requester_id", "responder_id")


class FreshdeskOptions(ApiOptions):
    """Options of the `freshdesk` importer."""

    source_name: str = Field(default="freshdesk", pattern=r"^[^:\s]+$")
    """Prefix of ticket ids (`freshdesk:<id>`); set it to tell two Freshdesk instances apart."""
    category_field: str | None = None
    """Custom field (`cf_product`, from `custom_fields`) or ticket field (`type`) holding the category; unset: none."""


@dataclass(frozen=True, slots=True)
class _Person:
    name: str | None
    email: str | None
    is_agent: bool


@dataclass
class _Run:
    """What one `read_files` call has learnt so far: people, and conversations waiting for their ticket."""

    options: FreshdeskOptions
    people: dict[str, _Person] = field(default_factory=dict)
    conversations: PendingParts = field(default_factory=lambda: PendingParts("conversation"))

    def add_person(self, item: Mapping[str, object]) -> None:
        """Remember a contact or an agent (bad entries are skipped: people are not records)."""
        nested = item.get("contact")  # an agent object wraps its contact
        contact: Mapping[str, object] = nested if isinstance(nested, dict) else item
        is_agent = contact is not item or "ticket_scope" in item or item.get("helpdesk_agent") is True
        if uid := safe_id(item.get("id")):
            self.people[uid] = _Person(safe_str(contact.get("name")), safe_str(contact.get("email")), is_agent)


@register("freshdesk")
class FreshdeskImporter(Importer):
    """Freshdesk tickets, conversations, contacts and agents (see the module docstring for every accepted shape)."""

    name: ClassVar[str] = "freshdesk"
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".jsonl", ".ndjson")
    Options = FreshdeskOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """Freshdesk tickets, conversations, contacts or agents — never solution articles (the `kb` importer's)."""
        if _ARTICLE_MARKS.search(head):
            return False
        return bool(_TICKET_MARKS.search(head) or (_CONVERSATION_MARKS.search(head) and '"ticket_id"' in head))

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """One outcome per ticket of one file (conversations in other files are joined by `read_files`)."""
        return self.read_files([path])

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """Read several files, joining conversations, contacts and agents to tickets across all of them."""
        run = _Run(cast(FreshdeskOptions, self.options))
        yield from read_api_files(paths, run.options.encoding, partial(_plan, run), partial(_convert, run))
        yield from run.conversations.leftovers()


# ---------------------------------------------------------------- planning payloads


def _kind(item: object) -> str | None:
    """What a Freshdesk object is: ticket, conversation, person or article (None: something else)."""
    if not isinstance(item, dict):
        return None
    if "helpdesk_ticket" in item:
        return "ticket"
    if "folder_id" in item and "title" in item:
        return "article"
    if "ticket_id" in item and ("body" in item or "body_text" in item):
        return "conversation"
    if any(key in item for key in _TICKET_KEYS):
        return "ticket"
    if isinstance(item.get("contact"), dict) or "ticket_scope" in item or ("email" in item and "name" in item):
        return "person"
    return None


def _plan(run: _Run, path: Path, payload: object) -> list[Unit | Rejected]:
    if isinstance(payload, list):
        return _plan_list(run, path, payload, "")
    if not isinstance(payload, dict):
        return [reject(path, "file", f"no tickets in this payload ({payload_keys(payload)})", raw=payload)]
    if isinstance(payload.get("results"), list):  # search: {"total", "results"}
        return _plan_list(run, path, payload["results"], "results")
    kind = _kind(payload)
    if kind == "ticket":
        return [("helpdesk_ticket" if "helpdesk_ticket" in payload else "ticket", payload)]
    if kind == "conversation":
        return _absorb_conversations(run, path, [payload], None)
    if kind == "person":
        run.add_person(payload)
        return []
    if kind == "article":
        return [reject(path, "file", KB_REASON)]
    return [reject(path, "file", f"no tickets in this payload ({payload_keys(payload)})", raw=payload)]


def _plan_list(run: _Run, path: Path, items: list[object], key: str) -> list[Unit | Rejected]:
    kinds = {_kind(item) for item in items}
    if "ticket" in kinds:
        return [(f"{key}[{i}]", item) for i, item in enumerate(items)]
    if "article" in kinds:
        return [reject(path, "file", KB_REASON)]
    if "conversation" in kinds:
        return _absorb_conversations(run, path, items, key)
    if kinds == {"person"}:
        for item in items:
            if isinstance(item, dict):  # always: `_kind` names only objects
                run.add_person(item)
        return []
    if not items:
        return []
    return [reject(path, "file", f"no tickets in this payload ({payload_keys(items)})", raw=items)]


def _absorb_conversations(run: _Run, path: Path, items: list[object], key: str | None) -> list[Unit | Rejected]:
    """Keep conversations for their ticket; `key` None: the file is one conversation object."""
    orphans = []
    for i, item in enumerate(items):
        if ticket_id := safe_id(item.get("ticket_id")) if isinstance(item, dict) else None:
            run.conversations.add(ticket_id, path.name if key is None else f"{path.name} {key}[{i}]", item, path)
        else:
            orphans.append(item)
    if not orphans:
        return []
    reason = f"{len(orphans)} conversation(s) without a usable ticket_id: they cannot be joined to a ticket"
    return [reject(path, "file" if key is None else key or "conversations", reason, raw=orphans)]


# ---------------------------------------------------------------- converting tickets


def _convert(run: _Run, path: Path, locator: str, raw: object) -> Ticket:
    if isinstance(raw, dict) and isinstance(raw.get("helpdesk_ticket"), dict):
        raw = raw["helpdesk_ticket"]  # API v1
    ticket = as_dict(raw, "")
    if _kind(ticket) != "ticket":
        raise RecordError(f"not a Freshdesk ticket ({payload_keys(ticket)})")
    # v1 tickets carry the number people see as `display_id` (`id` is internal); v2 calls that number `id`
    external = get_id(ticket, "display_id") or require_id(ticket, "id")
    requester = get_id(ticket, "requester_id")
    created_at = get_time(ticket, "created_at")
    messages = []
    if description := _description(ticket):
        messages.append(Message(role=Role.customer, body=description, author=requester, created_at=created_at))
    thread, senders = _conversations(run, ticket, external)
    messages.extend(thread)
    status, source = ticket.get("status"), ticket.get("source")
    name = run.options.source_name
    return Ticket(
        id=Ticket.make_id(name, external),
        source=name,
        external_id=external,
        subject=get_str(ticket, "subject") or "",
        messages=chronological(messages),
        participants=_participants(run, ticket, requester, messages, senders),
        tags=str_list(ticket, "tags"),
        category=_category(ticket, run.options.category_field),
        status=_coded(status, STATUS_NAMES, ticket.get("status_name"), "status"),
        channel=_coded(source, SOURCE_CHANNELS, ticket.get("source_name"), "source"),
        created_at=created_at,
        updated_at=get_time(ticket, "updated_at"),
        metadata=_metadata(ticket),
    )


def _description(ticket: Mapping[str, object]) -> str:
    """The first customer message: `description_text`, else the HTML `description` (v1: `description` is plain)."""
    text = get_str(ticket, "description_text")
    if not (text and text.strip()):
        if "description_html" in ticket:
            text = get_str(ticket, "description") or html_body_text(get_str(ticket, "description_html") or "")
        else:
            text = html_body_text(get_str(ticket, "description") or "")
    return text.strip()


def _conversations(
    run: _Run, ticket: Mapping[str, object], external: str
) -> tuple[list[Message], list[tuple[str, str, Role]]]:
    """Embedded conversations (v2) or notes (v1), then those joined from other files, each once; and their senders."""
    labelled = [(f"conversations[{i}]", c) for i, c in enumerate(get_list(ticket, "conversations"))]
    for i, note in enumerate(get_list(ticket, "notes")):
        if isinstance(note, dict) and isinstance(wrapped := note.get("note"), dict):
            labelled.append((f"notes[{i}].note", wrapped))
        else:
            labelled.append((f"notes[{i}]", note))
    labelled.extend(run.conversations.take(external))
    messages, senders = [], []
    for label, part in unique_parts(labelled):
        conversation = as_dict(part, label)
        if message := _conversation_message(conversation, label):
            messages.append(message)
            if isinstance(sender := conversation.get("from_email"), str):
                name, email = parseaddr(sender)
                senders.append((name, email, Role.customer if message.role == Role.customer else Role.agent))
    return messages, senders


def _conversation_message(item: Mapping[str, object], label: str) -> Message | None:
    text = get_str(item, "body_text", label)
    if not (text and text.strip()):
        if "body_html" in item:  # v1: `body` is the plain text
            text = get_str(item, "body", label) or html_body_text(get_str(item, "body_html", label) or "")
        else:
            text = html_body_text(get_str(item, "body", label) or "")
    if not text.strip():
        return None
    private = get_bool(item, "private", label)
    role = Role.note if private else Role.customer if get_bool(item, "incoming", label) else Role.agent
    author = get_id(item, "user_id", label)
    created_at = get_time(item, "created_at", label)
    return Message(role=role, body=text.strip(), author=author, created_at=created_at, public=not private)


def _participants(
    run: _Run,
    ticket: Mapping[str, object],
    requester: str | None,
    messages: list[Message],
    senders: list[tuple[str, str, Role]],
) -> list[Participant]:
    """Requester, responder and message authors, with names and emails from contacts, agents and senders."""
    embedded = get_dict(ticket, "requester")
    people: list[tuple[object, object, Role]] = [
        (embedded.get("name"), embedded.get("email"), Role.customer),
        (ticket.get("requester_name"), None, Role.customer),
        (ticket.get("responder_name"), None, Role.agent),
    ]
    authors = [(requester, Role.customer), (safe_id(ticket.get("responder_id")), Role.agent)]
    for uid, role in authors + [(m.author, m.role) for m in messages]:
        if uid and (person := run.people.get(uid)):
            staff = person.is_agent or role != Role.customer
            people.append((person.name, person.email, Role.agent if staff else Role.customer))
    return participants([*people, *senders])


def _coded(code: object, names: dict[int, str], given: object, prefix: str) -> str | None:
    """A Freshdesk code as a name: the known name, the payload's own label, else `<prefix>_<code>`."""
    if isinstance(code, bool) or code is None:
        return None
    if isinstance(code, int):
        return names.get(code) or (label.strip().lower() if (label := safe_str(given)) else f"{prefix}_{code}")
    return code.strip().lower() if isinstance(code, str) and code.strip() else None


def _category(ticket: Mapping[str, object], key: str | None) -> str | None:
    if key is None:
        return None
    custom = ticket.get("custom_fields", ticket.get("custom_field"))  # v1 says custom_field
    value = custom.get(key) if isinstance(custom, dict) and key in custom else ticket.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value) or None


def _metadata(ticket: Mapping[str, object]) -> dict[str, str | int | float]:
    """Freshdesk extras worth keeping, with v1 names mapped to v2 ones; never names or emails."""
    return scalars(
        {
            "priority": ticket.get("priority"),
            "type": ticket.get("type", ticket.get("ticket_type")),
            "group_id": ticket.get("group_id"),
            "assignee_id": ticket.get("responder_id"),
            "company_id": ticket.get("company_id"),
            "product_id": ticket.get("product_id"),
            "is_escalated": ticket.get("is_escalated", ticket.get("isescalated")),
            "fr_escalated": ticket.get("fr_escalated"),
            "spam": ticket.get("spam"),
            "status_code": ticket.get("status"),
            "source_code": ticket.get("source"),
        }
    )
