"""The `csv` importer: one row is one ticket (a customer message and the agent's reply), or rows joined into threads.

Rows are numbered as a spreadsheet shows them: the header is row 1, so the first ticket comes from `row 2`, and a
ticket without an `id` column gets the id `<file stem>-<row number>`. Outcomes: in `rows` mode one per row; in
`threads` mode (rows linked by a parent-id column, e.g. tweets with `in_response_to_tweet_id`) one per thread plus
one Rejected per unreadable row. A column mapping naming columns the header lacks is one Rejected for the file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from tunedesk.errors import RecordError
from tunedesk.ingest.importers import chatjsonl, register
from tunedesk.ingest.importers.base import Importer, reject
from tunedesk.ingest.importers.chatjsonl import Encoding
from tunedesk.ingest.importers.csvrows import DELIMITERS, CsvRow, csv_rows
from tunedesk.records import ImportedRecord, Message, Participant, Role, Ticket

_FIELD_LIMIT = 64 * 1024 * 1024  # the stdlib default (128 KiB) rejects long email threads pasted into one cell
_AUTO_COLUMNS = {
    "customer": ("customer", "prompt", "instruction", "question", "query", "input", "user", "customer_message"),
    "agent": ("agent", "completion", "response", "answer", "output", "assistant", "reply", "agent_reply"),
}
_TAG_SPLIT = re.compile(r"[,;|]")
_CUSTOMER_VALUES = frozenset({"true", "1", "yes", "customer", "user", "inbound", "end-user", "requester", "client"})
_AGENT_VALUES = frozenset({"false", "0", "no", "agent", "assistant", "support", "outbound", "admin", "staff"})


class ColumnMap(BaseModel):
    """Which CSV column holds each ticket field; columns not named here go to the ticket's metadata."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    customer: str | None = None
    """The customer's message (rows mode)."""
    agent: str | None = None
    """The agent's reply (rows mode)."""
    id: str | None = None
    """A unique id per row (rows mode) or per message (threads mode)."""
    category: str | None = None
    """The ticket's category or intent."""
    subject: str | None = None
    """The ticket's subject line."""
    tags: str | None = None
    """Tags, separated by commas, semicolons or bars."""
    csat: str | None = None
    """Customer satisfaction on a 1–5 scale."""
    created_at: str | None = None
    """When the ticket (rows mode) or message (threads mode) was created."""
    text: str | None = None
    """The message text (threads mode)."""
    parent: str | None = None
    """The id of the message this row replies to (threads mode)."""
    author: str | None = None
    """Who wrote the message (threads mode)."""
    role: str | None = None
    """Whether the author is the customer: true/customer/inbound/user vs false/agent/outbound (threads mode)."""


class CsvOptions(BaseModel):
    """Options of the `csv` importer."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    columns: ColumnMap | None = None
    """Our field → column name; unset: prompt/completion or instruction/response-like columns are found by name."""
    delimiter: str | None = None
    """The field separator; unset: sniffed from the first lines."""
    encoding: Encoding = "utf-8"
    """The text encoding of the file; a row whose bytes do not decode is quarantined."""
    source_name: str | None = None
    """The source label of the tickets (default `csv`); ticket ids are `<source_name>:<id>`."""
    mode: Literal["rows", "threads"] = "rows"
    """`rows`: one row is one ticket; `threads`: rows are messages joined into tickets by `columns.parent`."""

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("the delimiter must be a single character")
        return value

    @model_validator(mode="after")
    def _threads_need_links(self) -> CsvOptions:
        if self.mode == "threads" and (self.columns is None or not all(
                (self.columns.id, self.columns.parent, self.columns.text))):
            raise ValueError("mode 'threads' needs columns.id, columns.parent and columns.text")
        return self


class _Fields(NamedTuple):
    subject: str
    category: str | None
    tags: list[str]
    csat: float | None


@register("csv")
class CsvImporter(Importer):
    """CSV exports: OpenAI's legacy prompt/completion files, or any CSV with a column mapping."""

    name = "csv"
    suffixes = (".csv", ".tsv")
    Options = CsvOptions
    options: CsvOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """True for `.csv`/`.tsv` files, or a header line naming prompt and completion columns."""
        if path.suffix.lower() in cls.suffixes:
            return True
        first = head.split("\n", 1)[0].lower()
        if first.lstrip()[:1] in ("{", "[", "<"):  # JSON or markup that merely mentions the words
            return False
        return any(d in first for d in DELIMITERS) and "prompt" in first and "completion" in first

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """Tickets from the rows of one CSV file (see the module docstring for the accounting)."""
        if csv.field_size_limit() < _FIELD_LIMIT:
            csv.field_size_limit(_FIELD_LIMIT)
        rows = csv_rows(path, self.options.encoding, self.options.delimiter)
        header = next(rows, None)
        if header is None:
            yield reject(path, "file", "empty file: no header row")
            return
        if header.error:
            yield reject(path, "file", f"cannot read the header row: {header.error}", raw=header.raw)
            return
        columns = self.options.columns or _auto_columns(list(header.values))
        missing = _missing_columns(columns, list(header.values))
        if missing:
            yield reject(path, "file", missing, raw=header.raw, field="columns")
            return
        source = self.options.source_name or self.name
        if self.options.mode == "threads":
            yield from _thread_tickets(path, rows, columns, source)
        else:
            yield from _row_tickets(path, rows, columns, source)


def _auto_columns(header: list[str]) -> ColumnMap:
    """Find the customer and agent columns by their usual names (prompt/completion, instruction/response, …)."""
    by_lower = {name.lower(): name for name in header}
    found = {}
    for field, candidates in _AUTO_COLUMNS.items():
        found[field] = next((by_lower[c] for c in candidates if c in by_lower), None)
    return ColumnMap(**found)


def _missing_columns(columns: ColumnMap, header: list[str]) -> str | None:
    """The ConfigError-style reason when the mapping names columns the header lacks, else None."""
    wanted = {field: name for field, name in columns.model_dump().items() if name is not None}
    missing = [f"{field}={name!r}" for field, name in wanted.items() if name not in header]
    if columns.text is None and (columns.customer is None or columns.agent is None):
        missing.append("customer and agent columns not found by name (set options.columns)")
    if not missing:
        return None
    return f"options.columns: {'; '.join(missing)} not in the header (header: {', '.join(header)})"


def _row_tickets(path: Path, rows: Iterable[CsvRow], columns: ColumnMap, source: str) -> Iterator[ImportedRecord]:
    legacy = (columns.customer or "").lower() == "prompt" and (columns.agent or "").lower() == "completion"
    first_seen: dict[str, int] = {}
    for row in rows:
        locator = f"row {row.number}"
        if row.error:
            yield reject(path, locator, row.error, raw=row.raw)
            continue
        try:
            ticket = _row_ticket(row, columns, source, f"{path.stem}-{row.number}", legacy)
        except RecordError as exc:
            yield reject(path, locator, exc, raw=row.raw)
            continue
        if ticket.external_id in first_seen:
            reason = f"duplicate id {ticket.external_id!r} (first seen in row {first_seen[ticket.external_id]})"
            yield reject(path, locator, reason, raw=row.raw, field=columns.id)
            continue
        first_seen[ticket.external_id] = row.number
        yield ticket


def _row_ticket(row: CsvRow, columns: ColumnMap, source: str, default_id: str, legacy: bool) -> Ticket:
    customer = _body(row, columns.customer)
    agent = _body(row, columns.agent)
    if legacy:
        customer, agent = chatjsonl.strip_legacy_prompt(customer), chatjsonl.strip_legacy_completion(agent)
    external_id = _required(row, columns.id).strip() if columns.id else default_id
    return Ticket(
        id=Ticket.make_id(source, external_id), source=source, external_id=external_id,
        messages=[Message(role=Role.customer, body=customer), Message(role=Role.agent, body=agent)],
        created_at=_time(row, columns.created_at), metadata=_unmapped(row, columns),
        **_ticket_fields(row, columns)._asdict(),
    )


def _ticket_fields(row: CsvRow, columns: ColumnMap) -> _Fields:
    return _Fields(subject=_value(row, columns.subject), category=_value(row, columns.category) or None,
                   tags=_tags(_value(row, columns.tags)), csat=_csat(row, columns.csat))


def _value(row: CsvRow, column: str | None) -> str:
    return row.values.get(column, "").strip() if column else ""


def _required(row: CsvRow, column: str | None) -> str:
    value = row.values.get(column or "", "")
    if not value.strip():
        raise RecordError("empty value", field=column)
    return value


def _body(row: CsvRow, column: str | None) -> str:
    return _required(row, column).replace("\r\n", "\n")  # spreadsheets write CRLF inside quoted cells


def _tags(value: str) -> list[str]:
    return [tag.strip() for tag in _TAG_SPLIT.split(value) if tag.strip()]


def _csat(row: CsvRow, column: str | None) -> float | None:
    value = _value(row, column)
    if not value:
        return None
    try:
        score = float(value)
    except ValueError:
        raise RecordError(f"not a number: {value[:50]!r}", field=column) from None
    if not 1 <= score <= 5:
        raise RecordError(f"CSAT {score:g} is outside the 1–5 scale", field=column)
    return score


def _time(row: CsvRow, column: str | None) -> datetime | None:
    value = _value(row, column)
    if not value:
        return None
    parsed = chatjsonl.parse_timestamp(value)
    if parsed is None:
        raise RecordError(f"not a date/time: {value[:50]!r}", field=column)
    return parsed


def _unmapped(row: CsvRow, columns: ColumnMap) -> dict[str, str]:
    mapped = {name for name in columns.model_dump().values() if name}
    return {name: value for name, value in row.values.items() if name not in mapped and value != ""}


class _Post(NamedTuple):
    row: int
    id: str
    parent: str
    body: str
    author: str | None
    role: Role | None
    created_at: datetime | None
    fields: _Fields


def _thread_tickets(path: Path, rows: Iterable[CsvRow], columns: ColumnMap, source: str) -> Iterator[ImportedRecord]:
    """Join rows into threads through their parent ids; one ticket per thread, one Rejected per bad row."""
    posts: dict[str, _Post] = {}
    for row in rows:
        locator = f"row {row.number}"
        try:
            post = _post(row, columns)
        except RecordError as exc:
            yield reject(path, locator, exc, raw=row.raw)
            continue
        if post.id in posts:
            yield reject(path, locator, f"duplicate id {post.id!r} (first seen in row {posts[post.id].row})",
                         raw=row.raw, field=columns.id)
            continue
        posts[post.id] = post
    for root, thread in _threads(posts).items():
        yield _thread_ticket(posts[root], thread, source)


def _post(row: CsvRow, columns: ColumnMap) -> _Post:
    if row.error:
        raise RecordError(row.error)
    role_value = _value(row, columns.role).lower()
    role = Role.customer if role_value in _CUSTOMER_VALUES else Role.agent if role_value in _AGENT_VALUES else None
    if columns.role and role is None:
        raise RecordError(f"cannot tell customer from agent by {role_value[:50]!r}", field=columns.role)
    return _Post(
        row=row.number, id=_required(row, columns.id).strip(), parent=_value(row, columns.parent),
        body=_body(row, columns.text), author=_value(row, columns.author) or None, role=role,
        created_at=_time(row, columns.created_at), fields=_ticket_fields(row, columns),
    )


def _threads(posts: dict[str, _Post]) -> dict[str, list[_Post]]:
    """Root id → the posts replying to it, in order (a parent missing from the file makes its child a root)."""
    threads: dict[str, list[_Post]] = {}
    for post in posts.values():
        root, seen = post, {post.id}
        while root.parent in posts and root.parent not in seen:  # `seen` guards against reply cycles
            root = posts[root.parent]
            seen.add(root.id)
        threads.setdefault(root.id, []).append(post)
    return {root: sorted(group, key=_post_order) for root, group in threads.items()}


def _post_order(post: _Post) -> tuple[float, int]:
    return (post.created_at.timestamp() if post.created_at else float("inf"), post.row)


def _thread_ticket(root: _Post, thread: list[_Post], source: str) -> Ticket:
    messages, participants = [], {}
    for post in thread:
        role = post.role or (Role.customer if post.author == thread[0].author else Role.agent)
        messages.append(Message(role=role, body=post.body, author=post.author, created_at=post.created_at))
        if post.author and post.author not in participants:
            participants[post.author] = Participant(name=post.author, role=role)
    times = [p.created_at for p in thread if p.created_at]
    return Ticket(
        id=Ticket.make_id(source, root.id), source=source, external_id=root.id, messages=messages,
        participants=list(participants.values()), created_at=min(times, default=None),
        updated_at=max(times, default=None), metadata={"message_ids": [p.id for p in thread]},
        **root.fields._asdict(),
    )
