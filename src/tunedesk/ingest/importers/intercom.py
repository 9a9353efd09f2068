"""Intercom (REST API 2.x, and v1 conversations with `conversation_message`) → Ticket and Article.

Records (one outcome each): a conversation (`type: "conversation"`), a ticket (`type: "ticket"` with
`ticket_parts`) and an article (`type: "article"` → Article), alone, in lists (`conversation.list`, `ticket.list`,
`list` of articles, search results, bare JSON lists) or one per NDJSON line. Contacts and admins (`contact`,
`contact.list`, `admin`, `admin.list`) are auxiliary: consumed for participant names, not counted. Anything else
(collections, a lone conversation part, …) is one Rejected for the file.

Threads: the conversation's `source` is the first message; parts with a body follow in time order — notes are
internal notes, comments by users/leads/contacts are the customer's, by admins/bots/teams the agent's; events without
a body (assignment, snoozed, close, …) are skipped. Bodies are HTML and become plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
)
from tunedesk.ingest.importers.payload import ApiOptions, Unit, payload_keys, read_api_files
from tunedesk.records import Article, ImportedRecord, Message, Participant, Rejected, Role, Ticket
from tunedesk.text.html import html_body_text

CUSTOMER_AUTHORS = frozenset({"user", "lead", "contact"})
AGENT_AUTHORS = frozenset({"admin", "bot", "team", "operator"})
RECORD_TYPES = frozenset({"conversation", "ticket", "article"})
PEOPLE_TYPES = frozenset({"contact", "admin", "user", "lead"})

_SNIFF = re.compile(
    r'"type"\s*:\s*"(conversation|conversation\.list|ticket|ticket\.list|article|contact|contact\.list|admin\.list)"'
)
_LIST_KEYS = ("conversations", "tickets", "data", "contacts", "admins")


class IntercomOptions(ApiOptions):
    """Options of the `intercom` importer."""

    source_name: str = Field(default="intercom", pattern=r"^[^:\s]+$")
    """Prefix of ticket and article ids (`intercom:<id>`); set it to tell two Intercom workspaces apart."""


@dataclass(frozen=True, slots=True)
class _Person:
    name: str | None
    email: str | None
    is_staff: bool


@dataclass
class _Run:
    """What one `read_files` call has learnt so far: contacts and admins."""

    options: IntercomOptions
    people: dict[str, _Person] = field(default_factory=dict)

    def add_person(self, item: Mapping[str, object]) -> None:
        """Remember a contact or an admin (bad entries are skipped: people are not records)."""
        if uid := safe_id(item.get("id")):
            staff = item.get("type") == "admin" or "has_inbox_seat" in item
            self.people[uid] = _Person(safe_str(item.get("name")), safe_str(item.get("email")), staff)


@register("intercom")
class IntercomImporter(Importer):
    """Intercom conversations, tickets and articles (see the module docstring for every accepted shape)."""

    name: ClassVar[str] = "intercom"
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".jsonl", ".ndjson")
    Options = IntercomOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """Intercom objects: `"type": "conversation"`, `"ticket"`, `"article"`, their lists, contacts, admins."""
        return bool(_SNIFF.search(head))

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """One outcome per conversation, ticket or article of one file."""
        return self.read_files([path])

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """Read several files; contacts and admins in any of them name the participants of all."""
        run = _Run(cast(IntercomOptions, self.options))
        yield from read_api_files(paths, run.options.encoding, partial(_plan, run), partial(_convert, run))


# ---------------------------------------------------------------- planning payloads


def _type(item: object) -> str | None:
    """An Intercom object's `type`, when it has a usable one."""
    kind = item.get("type") if isinstance(item, dict) else None
    return kind if isinstance(kind, str) else None


def _plan(run: _Run, path: Path, payload: object) -> list[Unit | Rejected]:
    if isinstance(payload, list):
        return _plan_items(run, path, payload, "")
    if not isinstance(payload, dict):
        reason = f"no conversations, tickets or articles in this payload ({payload_keys(payload)})"
        return [reject(path, "file", reason, raw=payload)]
    kind = _type(payload)
    if kind in RECORD_TYPES or (kind is None and "conversation_parts" in payload):
        return [(str(kind or "conversation"), payload)]
    if kind in PEOPLE_TYPES:
        run.add_person(payload)
        return []
    for key in _LIST_KEYS:
        if isinstance(payload.get(key), list):
            return _plan_items(run, path, payload[key], key)
    data = payload.get("data")
    if isinstance(data, dict) and isinstance(data.get("articles"), list):  # article search results
        return _plan_items(run, path, data["articles"], "data.articles")
    reason = f"no conversations, tickets or articles in this payload (type {kind!r}; {payload_keys(payload)})"
    return [reject(path, "file", reason, raw=payload)]


def _plan_items(run: _Run, path: Path, items: list[object], key: str) -> list[Unit | Rejected]:
    kinds = {_type(item) for item in items}
    if kinds & RECORD_TYPES or (key in ("conversations", "tickets") and items):
        return [(f"{key}[{i}]", item) for i, item in enumerate(items)]
    if items and (key in ("contacts", "admins") or (None not in kinds and kinds <= PEOPLE_TYPES)):
        for item in items:
            if isinstance(item, dict):
                run.add_person(item)
        return []
    if not items:
        return []
    reason = f"no conversations, tickets or articles in this payload ({payload_keys(items)})"
    return [reject(path, "file", reason, raw=items)]


# ---------------------------------------------------------------- converting records


def _convert(run: _Run, path: Path, locator: str, raw: object) -> Ticket | Article:
    item = as_dict(raw, "")
    kind = _type(item)
    if kind == "article":
        return _article(run, item)
    if kind == "ticket" or "ticket_parts" in item:
        return _ticket(run, item)
    if kind in (None, "conversation"):
        return _conversation(run, item)
    raise RecordError(f"not a conversation, ticket or article (type {kind!r})", field="type")


def _conversation(run: _Run, item: Mapping[str, object]) -> Ticket:
    external = require_id(item, "id")
    created_at = get_time(item, "created_at")
    key = "source" if item.get("source") is not None else "conversation_message"  # v1: conversation_message
    source = get_dict(item, key)
    messages, authors = _thread(item, "conversation_parts")
    if first := _source_message(source, key, created_at):
        messages.insert(0, first)
        authors.insert(0, get_dict(source, "author", key))
    subject = html_body_text(get_str(source, "subject", key) or "") or get_str(item, "title") or ""
    state = get_str(item, "state")
    if state is None and isinstance(item.get("open"), bool):  # v1 has only the flag
        state = "open" if item["open"] else "closed"
    metadata = {
        "priority": item.get("priority"),
        "assignee_id": item.get("admin_assignee_id"),
        "team_id": item.get("team_assignee_id"),
        "delivered_as": source.get("delivered_as"),
        "ai_agent_participated": item.get("ai_agent_participated"),
    }
    return _record(run, item, external, subject, messages, authors, state, get_str(source, "type"), metadata)


def _ticket(run: _Run, item: Mapping[str, object]) -> Ticket:
    external = require_id(item, "id")
    created_at = get_time(item, "created_at")
    attributes = get_dict(item, "ticket_attributes")
    messages, authors = _thread(item, "ticket_parts")
    contacts = get_list(get_dict(item, "contacts"), "contacts", "contacts")
    requester = safe_id(contacts[0].get("id")) if contacts and isinstance(contacts[0], dict) else None
    description = html_body_text(get_str(attributes, "_default_description_", "ticket_attributes") or "")
    if description:
        messages.insert(0, Message(role=Role.customer, body=description, author=requester, created_at=created_at))
    state = item.get("ticket_state")
    status = get_str(state, "category", "ticket_state") if isinstance(state, dict) else get_str(item, "ticket_state")
    ticket_type = get_dict(item, "ticket_type")
    metadata = {
        "ticket_number": item.get("ticket_id"),
        "type": ticket_type.get("name"),
        "ticket_category": item.get("category", ticket_type.get("category")),
        "assignee_id": item.get("admin_assignee_id"),
        "team_id": item.get("team_assignee_id"),
    }
    subject = get_str(attributes, "_default_title_", "ticket_attributes") or ""
    return _record(run, item, external, subject, messages, authors, status, None, metadata)


def _record(
    run: _Run,
    item: Mapping[str, object],
    external: str,
    subject: str,
    messages: list[Message],
    authors: list[dict[str, object]],
    status: str | None,
    channel: str | None,
    metadata: dict[str, object],
) -> Ticket:
    """The Ticket of a conversation or an Intercom ticket: the fields both share."""
    name = run.options.source_name
    return Ticket(
        id=Ticket.make_id(name, external),
        source=name,
        external_id=external,
        subject=subject,
        messages=chronological(messages),
        participants=_participants(run, item, authors),
        tags=_tags(item),
        status=status,
        csat=_csat(item.get("conversation_rating")),
        channel=channel,
        created_at=get_time(item, "created_at"),
        updated_at=get_time(item, "updated_at"),
        metadata=scalars(metadata),
    )


def _thread(item: Mapping[str, object], key: str) -> tuple[list[Message], list[dict[str, object]]]:
    """Messages of the parts that have a body, and the author object of each."""
    where = f"{key}.{key}"
    messages, authors = [], []
    for i, part in enumerate(get_list(get_dict(item, key), key, key)):
        label = f"{where}[{i}]"
        part = as_dict(part, label)
        body = html_body_text(get_str(part, "body", label) or "")
        if not body:
            continue  # an event (assignment, close, snooze, …) without words
        author = get_dict(part, "author", label)
        if get_str(part, "part_type", label) in ("note", "note_and_reopen"):
            role = Role.note
        else:
            role = _author_role(get_str(author, "type", f"{label}.author")) or Role.system
        author_id = get_id(author, "id", f"{label}.author")
        created_at = get_time(part, "created_at", label)
        public = role != Role.note
        messages.append(Message(role=role, body=body, author=author_id, created_at=created_at, public=public))
        authors.append(author)
    return messages, authors


def _source_message(source: Mapping[str, object], key: str, created_at: datetime | None) -> Message | None:
    body = html_body_text(get_str(source, "body", key) or "")
    if not body:
        return None
    author = get_dict(source, "author", key)
    role = _author_role(get_str(author, "type", f"{key}.author")) or Role.customer
    author_id = get_id(author, "id", f"{key}.author")
    return Message(role=role, body=body, author=author_id, created_at=created_at)


def _author_role(author_type: str | None) -> Role | None:
    if author_type in CUSTOMER_AUTHORS:
        return Role.customer
    return Role.agent if author_type in AGENT_AUTHORS else None


def _participants(run: _Run, item: Mapping[str, object], authors: list[dict[str, object]]) -> list[Participant]:
    """Contacts of the conversation and every message author, named from the payload or contacts/admins files."""
    contacts = get_dict(item, "contacts").get("contacts")
    people_objects = [c for c in contacts if isinstance(c, dict)] if isinstance(contacts, list) else []
    people_objects += [found for k in ("user", "assignee") if isinstance(found := item.get(k), dict)]  # v1
    people: list[tuple[object, object, Role]] = []
    for obj in people_objects + authors:
        known = run.people.get(safe_id(obj.get("id")) or "")
        name = safe_str(obj.get("name")) or (known.name if known else None)
        email = safe_str(obj.get("email")) or (known.email if known else None)
        staff = _type(obj) in AGENT_AUTHORS or (known is not None and known.is_staff)
        people.append((name, email, Role.agent if staff else Role.customer))
    return participants(people)


def _tags(item: Mapping[str, object]) -> list[str]:
    """Tag names from `{"type": "tag.list", "tags": [...]}` or a plain list."""
    tags = item.get("tags")
    entries = tags.get("tags") if isinstance(tags, dict) else tags
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise RecordError(f"expected a list of tags, got {type(entries).__name__}", field="tags")
    names = [entry.get("name") if isinstance(entry, dict) else entry for entry in entries]
    return [name for name in names if isinstance(name, str)]


def _csat(rating: object) -> float | None:
    score = rating.get("rating") if isinstance(rating, dict) else None
    if isinstance(score, int | float) and not isinstance(score, bool) and 1 <= score <= 5:
        return float(score)
    return None


def _article(run: _Run, item: Mapping[str, object]) -> Article:
    external = require_id(item, "id")
    title = get_str(item, "title")
    if title is None:
        raise RecordError("missing required field", field="title")
    name = run.options.source_name
    return Article(
        id=Ticket.make_id(name, external),
        source=name,
        external_id=external,
        title=title,
        body=html_body_text(get_str(item, "body") or ""),
        url=get_str(item, "url"),
        tags=_tags(item),
        updated_at=get_time(item, "updated_at") or get_time(item, "created_at"),
        metadata=scalars(item, ("state", "parent_id", "parent_type", "author_id", "default_locale")),
    )
