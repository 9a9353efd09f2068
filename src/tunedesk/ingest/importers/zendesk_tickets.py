"""Zendesk tickets → Ticket records: what one read has learnt (users, comments waiting for their ticket), the exact
conversion of a ticket payload, and the quick path for the common line of an NDJSON export, which gives the very
record the exact path gives (or hands the line back to it)."""


from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from pydantic import Field

from tunedesk.errors import RecordError
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
from tunedesk.ingest.importers.payload import ApiOptions, PendingParts, payload_keys, unique_parts
from tunedesk.records import Message, Participant, Role, Ticket
from tunedesk.text.html import html_body_text

_CSAT = {"good": 5.0, "bad": 1.0}
_METADATA_KEYS = ("priority", "type", "group_id", "assignee_id", "brand_id", "organization_id", "custom_status_id")
_TICKET_KEYS = ("requester_id", "subject", "description", "comments", "via")
_BY_TIME, _AUTHOR, _AUTHOR_OF = itemgetter("created_at"), itemgetter("author"), attrgetter("author")
_PLAIN_SCALARS = {str, int, bool}  # metadata the quick path keeps; `scalars` also keeps floats and drops the rest


class ZendeskOptions(ApiOptions):
    """Options of the `zendesk` importer."""

    source_name: str = Field(default="zendesk", pattern=r"^[^:\s]+$")
    """Prefix of ticket ids (`zendesk:<id>`); set it to tell two Zendesk instances apart."""
    category_field: int | str | None = None
    """Id of the custom ticket field that holds the category (from `custom_fields`/`fields`); unset: no category."""


@dataclass(frozen=True, slots=True)
class ZendeskUser:
    name: str | None
    email: str | None
    role: str | None


@dataclass
class ZendeskRead:
    """What one `read_files` call has learnt so far: users, and comments waiting for their ticket."""

    options: ZendeskOptions
    users: dict[str, ZendeskUser] = field(default_factory=dict)
    comments: PendingParts = field(default_factory=lambda: PendingParts("comment"))
    people: dict[tuple[str, Role], Participant | None] = field(default_factory=dict)
    category_key: str | None = field(init=False)
    """The category field's id as text, as custom field ids are compared."""

    def __post_init__(self) -> None:
        field_id = self.options.category_field
        self.category_key = None if field_id is None else str(field_id)

    def participant(self, uid: str, role: Role) -> Participant | None:
        """The participant of a known user, built once (100,000 tickets share a few agents)."""
        key = (uid, role)
        if key not in self.people:
            user = self.users[uid]
            found = participants([(user.name, user.email, role)])
            self.people[key] = found[0] if found else None
        return self.people[key]

    def add_users(self, items: Iterable[object]) -> int:
        """Remember names, emails and roles of users (bad entries are skipped: users are not records)."""
        count = 0
        for user in items:
            if isinstance(user, dict) and (uid := safe_id(user.get("id"))):
                self.users[uid] = ZendeskUser(
                    safe_str(user.get("name")), safe_str(user.get("email")), safe_str(user.get("role"))
                )
                count += 1
        return count




def looks_like_ticket(item: object) -> bool:
    """A ticket payload (not a search result of another type), by its typical keys."""
    return (
        isinstance(item, dict)
        and item.get("result_type", "ticket") == "ticket"
        and any(map(item.__contains__, _TICKET_KEYS))
    )


# ---------------------------------------------------------------- converting tickets


def convert_ticket(run: ZendeskRead, path: Path, locator: str, raw: object) -> Ticket:
    if isinstance(raw, dict) and "id" not in raw and isinstance(raw.get("ticket"), dict):
        raw = raw["ticket"]  # an NDJSON line holding an API `{"ticket": {...}}` payload
    ticket = as_dict(raw, "")
    if not looks_like_ticket(ticket):
        raise RecordError(f"not a Zendesk ticket ({payload_keys(ticket)})")
    external = require_id(ticket, "id")
    requester = get_id(ticket, "requester_id")
    created_at = get_time(ticket, "created_at")
    messages = _thread(run, ticket, external, requester)
    description = get_str(ticket, "description")
    if description and description.strip() and _description_missing(ticket, messages, description, created_at):
        first = Message(role=Role.customer, body=description.strip(), author=requester, created_at=created_at)
        messages = chronological([first, *messages])
    via = get_dict(ticket, "via")
    source = run.options.source_name
    return Ticket(
        id=Ticket.make_id(source, external),
        source=source,
        external_id=external,
        subject=get_str(ticket, "subject") or get_str(ticket, "raw_subject") or "",
        messages=messages,
        participants=_participants(run, requester, ticket.get("assignee_id"), via, map(_AUTHOR_OF, messages)),
        tags=str_list(ticket, "tags"),
        category=_category(ticket, run.options.category_field),
        status=get_str(ticket, "status"),
        csat=_csat(ticket.get("satisfaction_rating")),
        channel=get_id(via, "channel", "via"),
        created_at=created_at,
        updated_at=get_time(ticket, "updated_at"),
        metadata=scalars(ticket, _METADATA_KEYS),
    )


def _description_missing(
    ticket: Mapping[str, object], messages: list[Message], description: str, created_at: datetime | None
) -> bool:
    """True when the thread lacks the ticket's first comment, which Zendesk also gives as `description`.

    Embedded comments hold it; comments or audits read from other payloads may start later (an audit stream since
    the last sync), so there the description is the customer's message unless a comment has its text or its time.
    """
    if not messages:
        return True
    if get_list(ticket, "comments"):
        return False
    text = " ".join(description.split())
    if any(" ".join(m.body.split()) == text for m in messages):
        return False
    times = [m.created_at for m in messages if m.created_at is not None]
    try:
        return created_at is None or not any(time <= created_at for time in times)
    except TypeError:  # a naive and an aware time: cannot tell, keep the customer's words
        return True


def _thread(run: ZendeskRead, ticket: Mapping[str, object], external: str, requester: str | None) -> list[Message]:
    """The ticket's comments (embedded, then joined from other payloads, each once) as messages in time order."""
    labelled = [(f"comments[{i}]", c) for i, c in enumerate(get_list(ticket, "comments"))]
    if joined := run.comments.take(external):
        labelled = list(unique_parts(labelled + joined))
    messages = []
    for label, comment in labelled:
        if message := _comment_message(run, comment, label, requester):
            messages.append(message)
    return chronological(messages)


def _comment_message(run: ZendeskRead, comment: object, label: str, requester: str | None) -> Message | None:
    if type(comment) is not dict:
        comment = as_dict(comment, label)
    body = comment.get("body")
    if type(body) is not str or not body.strip():
        body = _fallback_body(comment, label)
        if not body:
            return None
    author = get_id(comment, "author_id", label)
    public = comment.get("public", True)
    if type(public) is not bool:
        public = get_bool(comment, "public", label, default=True)
    role = Role(_role(run, author, requester, public))
    created_at = get_time(comment, "created_at", label)
    return Message(role=role, body=body.strip(), author=author, created_at=created_at, public=public)


def _role(run: ZendeskRead, author: str | None, requester: str | None, public: bool) -> str:
    """customer, agent or note: end-users and the requester speak as the customer, unless the users say the
    author is staff (an admin who filed the ticket for themself); staff write replies, or notes when private."""
    user = run.users.get(author) if author else None
    staff = user is not None and user.role in ("agent", "admin")
    if author is not None and not staff and (author == requester or (user is not None and user.role == "end-user")):
        return "customer"
    return "agent" if public else "note"


def _fallback_body(comment: Mapping[str, object], label: str) -> str:
    """The text when `body` is empty: `plain_body`, else `html_body` as text (a mistyped `body` is an error)."""
    body = get_str(comment, "body", label) or get_str(comment, "plain_body", label)
    if not (body and body.strip()):
        body = html_body_text(get_str(comment, "html_body", label) or "")
    return body.strip()


# ---------------------------------------------------------------- the common export line, quickly


class _Unusual(Exception):
    """A line the quick path leaves to the exact path, which reads it again and names any problem."""


def quick_ticket(run: ZendeskRead, ticket: object) -> Ticket | None:
    """`convert_ticket` of the common export line, as orjson parsed it, in one pass; None or an error: use
    `convert_ticket`.

    The common line: integer ids, an object `via`, comments that each have a body, an integer author, a public
    flag and a UTC timestamp. orjson reads integers beyond 64 bits as floats where `json` keeps them exact, so a
    float that would be kept (metadata, category, an id) is not common either; both paths give the same record.
    Fields pydantic checks exactly as `convert_ticket` does (tags: strings only; status: a string or null) are left
    to it.
    """
    if type(ticket) is not dict or "result_type" in ticket:
        return None
    external, requester, assignee = ticket.get("id"), ticket.get("requester_id"), ticket.get("assignee_id")
    via, comments, subject = ticket.get("via"), ticket.get("comments"), ticket.get("subject")
    if type(external) is not int or type(requester) is not int or type(via) is not dict or type(assignee) is float:
        return None
    if type(comments) is not list or not comments or type(subject) is not str or not subject:
        return None
    metadata = _quick_metadata(ticket)
    external, requester = str(external), str(requester)
    if external in run.comments.parts:  # comments from other payloads: joined and de-duplicated by `_thread`
        return None
    messages = _quick_thread(run, comments, requester)
    source, tags = run.options.source_name, ticket.get("tags")
    return Ticket.model_validate(
        {
            "id": Ticket.make_id(source, external),
            "source": source,
            "external_id": external,
            "subject": subject,
            "messages": messages,
            "participants": _participants(run, requester, assignee, via, map(_AUTHOR, messages)),
            "tags": [] if tags is None else tags,
            "category": _quick_category(ticket, run.category_key),
            "status": ticket.get("status"),
            "csat": _csat(ticket.get("satisfaction_rating")),
            "channel": get_id(via, "channel", "via"),
            "created_at": _utc(ticket["created_at"]),
            "updated_at": _utc(ticket["updated_at"]),
            "metadata": metadata,
        }
    )


def _quick_metadata(ticket: Mapping[str, object]) -> dict[str, object]:
    """`scalars(ticket, _METADATA_KEYS)` of the common line: a float, object or list there is unusual."""
    metadata: dict[str, object] = {}
    for key in _METADATA_KEYS:
        value = ticket.get(key)
        if value is not None and value != "":
            if type(value) not in _PLAIN_SCALARS:
                raise _Unusual(f"{key} is a {type(value).__name__}")
            metadata[key] = value
    return metadata


def _quick_thread(run: ZendeskRead, comments: list[Any], requester: str) -> list[dict[str, object]]:
    """The comments as Message fields in time order (validated once, with their Ticket).

    `comments` is Any by design: the common comment is read without type checks, and anything else fails here
    (KeyError, AttributeError, TypeError), which hands the line to the exact path.
    """
    messages = []
    for comment in comments:
        body, author, public = comment["body"].strip(), comment["author_id"], comment["public"]
        if not body or type(author) is not int or type(public) is not bool:
            raise _Unusual("a comment without a body (plain_body, html_body), an integer author or a public flag")
        author = str(author)
        role = _role(run, author, requester, public)
        created_at = datetime.fromisoformat(comment["created_at"])
        if created_at.tzinfo is not UTC:
            raise _Unusual("a timestamp not in UTC")
        messages.append({"role": role, "body": body, "author": author, "created_at": created_at, "public": public})
    messages.sort(key=_BY_TIME)
    return messages


def _utc(text: Any) -> datetime:  # Any: a value that is not text fails `fromisoformat`, as unusual as any other
    """A timestamp as `get_time` reads the common one: ISO 8601 text in UTC; anything else is unusual."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not UTC:
        raise _Unusual("a timestamp not in UTC")
    return moment


def _quick_category(ticket: Mapping[str, object], wanted: str | None) -> str | None:
    """`_category` for a line parsed by orjson: a float id or value, or a list of values, is unusual."""
    if wanted is None:
        return None
    for key in ("custom_fields", "fields"):
        entries: list[Any] = get_list(ticket, key)  # Any: an entry that is not an object fails `.get`: unusual
        for entry in entries:
            entry_id, value = entry.get("id"), entry.get("value")
            if type(entry_id) is float or type(value) in (float, list):
                raise _Unusual(f"a float or list in {key}")
            if str(entry_id) == wanted:
                return _field_text(value)
    return None


def _participants(
    run: ZendeskRead, requester: str | None, assignee: object, via: Mapping[str, object], authors: Iterable[str | None]
) -> list[Participant | dict[str, object]]:
    """Requester first, then assignee and comment authors, with names and emails from users payloads.

    Each user id once, each user's participant built once per run; an email's sender as fields for the Ticket.
    """
    found: list[Participant | dict[str, object]] = []
    source = via.get("source")
    sender = source.get("from") if isinstance(source, dict) else None
    if requester not in run.users and isinstance(sender, dict):  # an email ticket names its sender
        name, email = safe_str(sender.get("name")), safe_str(sender.get("address"))
        if name or email:
            found.append({"name": name, "email": email, "role": Role.customer})
    if run.users:
        for uid in dict.fromkeys([requester, safe_id(assignee), *authors]):
            if uid and (user := run.users.get(uid)):
                role = Role.customer if uid == requester or user.role == "end-user" else Role.agent
                if (person := run.participant(uid, role)) is not None:
                    found.append(person)
    return found


def _csat(rating: object) -> float | None:
    """Zendesk good/bad as 5/1, a numeric 1–5 score as is; offered, unoffered and unknown values as None."""
    score = rating.get("score") if isinstance(rating, dict) else rating
    if isinstance(score, str):
        return _CSAT.get(score.lower())
    if isinstance(score, int | float) and not isinstance(score, bool) and 1 <= score <= 5:
        return float(score)
    return None


def _category(ticket: Mapping[str, object], field_id: int | str | None) -> str | None:
    if field_id is None:
        return None
    for key in ("custom_fields", "fields"):
        for i, item in enumerate(get_list(ticket, key)):
            entry = as_dict(item, f"{key}[{i}]")
            if str(entry.get("id")) == str(field_id):
                return _field_text(entry.get("value"))
    return None


def _field_text(value: object) -> str | None:
    """A custom field's value as text (a multi-select's values joined); true/false, objects and blanks: None."""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v is not None)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value) or None
