"""The `email` importer: `.eml` files, `.mbox` mailboxes and folders of them, threaded into tickets.

Accounting differs from the other importers: the record is a *thread*, not an email. Emails are joined by
Message-ID / In-Reply-To / References (fallback for emails without them: a `Re:`/`Fwd:` subject joins the thread
with the same subject and the same participants), and each thread yields one Ticket. Each email that cannot be
parsed yields one Rejected (`message 3` in an mbox, `file` for an `.eml`), and a thread whose emails hold no text
at all yields one Rejected (`thread <id>`). Bodies: text/plain preferred, else HTML → text, charsets decoded
leniently (a note in the ticket's metadata when characters had to be replaced); quoted history and signatures are
removed here, at import time (`extract_replies`).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import mailbox
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject
from tunedesk.records import ImportedRecord, Message, Participant, Rejected, Role, Ticket
from tunedesk.text.html import html_to_text
from tunedesk.text.reply import extract_reply

_MAIL_SUFFIXES = (".eml", ".mbox")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw|wg|sv|vs|tr|rv|antw)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_HEADER_LINE = re.compile(r"[!-9;-~]+:|[ \t]")
_IDENTIFYING_HEADERS = frozenset({"date", "message-id", "subject", "received", "mime-version", "return-path"})
_MAX_ID_CHARS = 200


class EmailOptions(BaseModel):
    """Options of the `email` importer."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    support_addresses: list[str] = Field(default_factory=list)
    """The support team's addresses (`help@acme.example`) or domains (`@acme.example`): their emails are agent
    messages. Unset: the sender of a thread's first email is the customer and every other sender an agent."""
    source_name: str | None = None
    """The source label of the tickets (default `email`); ticket ids are `<source_name>:<root Message-ID>`."""
    extract_replies: bool = True
    """Remove quoted history and signatures from each body; turn off to keep bodies as sent."""


@dataclass
class _Mail:
    """One parsed email, reduced to what threading and the ticket need."""

    source_file: Path
    order: int
    message_id: str | None
    references: list[str]
    subject: str
    sender: tuple[str, str]
    recipients: list[tuple[str, str]]
    date: datetime | None
    body: str
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The threading key: the Message-ID, or a content hash for an email without one."""
        return self.message_id or _digest(f"{self.sender}|{self.subject}|{self.date}|{self.body[:500]}")


@register("email")
class EmailImporter(Importer):
    """Raw emails (`.eml`, `.mbox`, folders of them) threaded into tickets; see the module docstring."""

    name = "email"
    suffixes = _MAIL_SUFFIXES
    Options = EmailOptions
    options: EmailOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """True for `.eml`/`.mbox` files, or text that opens with email headers (From plus Date, Subject, …)."""
        if path.suffix.lower() in _MAIL_SUFFIXES:
            return True
        block = head.replace("\r\n", "\n").split("\n\n", 1)[0].split("\n")
        if block and block[0].startswith("From "):  # the mbox separator line
            block = block[1:]
        if not block or not all(_HEADER_LINE.match(line) for line in block if line):
            return False
        names = {line.split(":", 1)[0].lower() for line in block if line and not line[0].isspace()}
        return "from" in names and bool(names & _IDENTIFYING_HEADERS)

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """Tickets from one `.eml`, `.mbox` or folder of them."""
        return self.read_files([path])

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """Thread the emails of all the files together, so a reply in one file joins its thread in another."""
        mails: list[_Mail] = []
        for path, locator, data in _raw_messages(paths):
            if isinstance(data, Exception):
                yield reject(path, locator, data)
                continue
            mail = self._parse(path, locator, data, len(mails))
            if isinstance(mail, Rejected):
                yield mail
            else:
                mails.append(mail)
        source = self.options.source_name or self.name
        for thread in _threads(mails):
            yield self._ticket(thread, source)

    def _parse(self, path: Path, locator: str, data: bytes, order: int) -> _Mail | Rejected:
        try:
            message = email.message_from_bytes(data, policy=email.policy.default)
            mail = _mail(message, path, order)
        except Exception as exc:  # the email package raises many kinds of errors on broken input, not one
            return reject(path, locator, f"cannot parse the email: {type(exc).__name__}: {exc}", raw=_preview(data))
        if not (mail.sender[1] or mail.message_id or mail.date):
            return reject(path, locator, "not an email: no From, Date or Message-ID header", raw=_preview(data))
        if self.options.extract_replies:
            mail.body = extract_reply(mail.body)
        return mail

    def _ticket(self, thread: list[_Mail], source: str) -> ImportedRecord:
        root = thread[0]
        external_id = _thread_id(root)
        customer = root.sender[1]
        messages = [
            Message(role=self._role(m.sender[1], customer), body=m.body, author=m.sender[0] or m.sender[1] or None,
                    created_at=m.date)
            for m in thread if m.body.strip()
        ]
        if not messages:
            return reject(root.source_file, f"thread {external_id}", "no text in any email of the thread",
                          raw=root.subject)
        metadata: dict[str, object] = {"message_ids": [m.message_id for m in thread if m.message_id]}
        notes = [note for m in thread for note in m.notes]
        if notes:
            metadata["decode_notes"] = notes
        if len(messages) < len(thread):
            metadata["empty_messages"] = len(thread) - len(messages)
        dates = [m.date for m in thread if m.date]
        return Ticket(
            id=Ticket.make_id(source, external_id), source=source, external_id=external_id,
            subject=_REPLY_PREFIX.sub("", root.subject).strip(), messages=messages,
            participants=self._participants(thread, customer), channel="email",
            created_at=min(dates, default=None), updated_at=max(dates, default=None), metadata=metadata,
        )

    def _role(self, address: str, customer: str) -> Role:
        """Agent when the address is a support address; without that option, everyone but the first sender."""
        if self.options.support_addresses:
            return Role.agent if _is_support(address, self.options.support_addresses) else Role.customer
        return Role.customer if address == customer else Role.agent

    def _participants(self, thread: list[_Mail], customer: str) -> list[Participant]:
        """Senders with their message role; other recipients are agents when they are support addresses, or,
        without that option, when the first email was addressed to them."""
        people: dict[str, Participant] = {}
        for mail in thread:
            name, address = mail.sender
            if address and address not in people:
                people[address] = Participant(name=name or None, email=address, role=self._role(address, customer))
        addressed = {address for _, address in thread[0].recipients}
        for mail in thread:
            for name, address in mail.recipients:
                if address and address not in people:
                    support = self.options.support_addresses
                    is_agent = _is_support(address, support) if support else address in addressed
                    people[address] = Participant(name=name or None, email=address,
                                                  role=Role.agent if is_agent else Role.customer)
        return list(people.values())


def _raw_messages(paths: Iterable[Path]) -> Iterator[tuple[Path, str, bytes | Exception]]:
    """(file, locator, bytes) per email in the files and folders given; an unreadable file yields its error."""
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _MAIL_SUFFIXES)
            yield from _raw_messages(files)
            continue
        try:
            if path.suffix.lower() == ".mbox" or _starts_like_mbox(path):
                box = mailbox.mbox(path, create=False)
                count = 0
                for count, key in enumerate(box.iterkeys(), start=1):
                    yield path, f"message {count}", box.get_bytes(key)
                if count == 0:  # a mailbox with no "From " separator left: account for the file, never drop it
                    yield path, "file", ValueError("no messages found in the mailbox (no 'From ' separator lines)")
            else:
                yield path, "file", path.read_bytes()
        except (OSError, mailbox.Error, ValueError) as exc:
            yield path, "file", exc


def _starts_like_mbox(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(5) == b"From "


def _mail(message: EmailMessage, path: Path, order: int) -> _Mail:
    """The fields of one parsed email; raises on input the email package cannot make sense of."""
    message_ids = _MESSAGE_ID.findall(str(message.get("Message-ID", "")))
    references = _MESSAGE_ID.findall(str(message.get("References", "")))
    references += [ref for ref in _MESSAGE_ID.findall(str(message.get("In-Reply-To", ""))) if ref not in references]
    recipient_headers = [str(v) for name in ("To", "Cc") for v in message.get_all(name, [])]
    sender = [_address(email.utils.parseaddr(str(message.get("From", "") or "")))]
    recipients = [_address(pair) for pair in email.utils.getaddresses(recipient_headers)]
    body, notes = _body(message)
    return _Mail(
        source_file=path, order=order, message_id=message_ids[0] if message_ids else None, references=references,
        subject=str(message.get("Subject", "") or "").strip(),
        sender=_with_comment_names(sender, message, ("From",))[0],
        recipients=_with_comment_names(recipients, message, ("To", "Cc")),
        date=_date(str(message.get("Date", "") or "")), body=body, notes=notes,
    )


def _with_comment_names(pairs: list[tuple[str, str]], message: EmailMessage,
                        headers: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (name, address) pairs, each missing name taken from the old RFC 822 comment form of the raw headers.

    `jane@example.com (Jane Doe)` names Jane in a comment, which the email package's header parser drops from the
    parsed header: only the raw value still holds it. A display name (`"Jane Doe" <jane@example.com>`) wins.
    """
    if all(name for name, address in pairs if address):
        return pairs
    wanted = {header.lower() for header in headers}
    raw = [str(value) for key, value in message.raw_items() if key.lower() in wanted]
    comments = {address: name for name, address in map(_address, email.utils.getaddresses(raw)) if name}
    return [(name or _decoded_name(comments.get(address, "")), address) for name, address in pairs]


def _decoded_name(raw: str) -> str:
    """A name from a raw header, its RFC 2047 encoded words and undecodable 8-bit bytes decoded, whitespace unfolded."""
    if not raw:
        return ""
    return " ".join(str(email.policy.default.header_factory("Comments", raw)).split())


def _body(message: EmailMessage) -> tuple[str, list[str]]:
    """The text of the preferred body part (plain, else HTML → text) and notes on lossy decoding."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", []
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return "", []
    charset = part.get_content_charset() or "utf-8"
    text, note = _decode(payload, charset)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n"), [note] if note else []


def _decode(payload: bytes, charset: str) -> tuple[str, str | None]:
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate), None
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:
        text = payload.decode("utf-8", errors="replace")
    return text, f"body not valid {charset}: undecodable bytes replaced by U+FFFD"


def _address(pair: tuple[str, str]) -> tuple[str, str]:
    name, address = pair
    return name.strip(), address.strip().lower()


def _date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _is_support(address: str, support: list[str]) -> bool:
    for entry in support:
        entry = entry.strip().lower()
        domain = entry if entry.startswith("@") else (f"@{entry}" if "@" not in entry else None)
        if (domain and address.endswith(domain)) or address == entry:
            return True
    return False


def _threads(mails: list[_Mail]) -> list[list[_Mail]]:
    """Emails grouped into conversations, each sorted by date (then input order), threads in input order."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for mail in mails:
        for ref in mail.references:
            union(mail.key, ref)
    by_subject: dict[tuple[str, frozenset[str]], str] = {}
    unlinked = sorted((m for m in mails if not m.references), key=lambda m: (_is_reply(m), m.order))
    for mail in unlinked:  # originals first, so a Re: without headers finds the thread it answers
        people = frozenset([mail.sender[1], *(address for _, address in mail.recipients)])
        subject_key = (_REPLY_PREFIX.sub("", mail.subject).strip().lower(), people)
        if subject_key[0] and _is_reply(mail) and subject_key in by_subject:
            union(mail.key, by_subject[subject_key])
        by_subject.setdefault(subject_key, mail.key)
    groups: dict[str, list[_Mail]] = {}
    for mail in mails:
        groups.setdefault(find(mail.key), []).append(mail)
    return [sorted(group, key=_mail_order) for group in groups.values()]


def _is_reply(mail: _Mail) -> bool:
    return bool(_REPLY_PREFIX.match(mail.subject))


def _mail_order(mail: _Mail) -> tuple[float, int]:
    return (mail.date.timestamp() if mail.date else float("inf"), mail.order)


def _thread_id(root: _Mail) -> str:
    """The root Message-ID: the first reference of the earliest email, else its own id (hashed when too long)."""
    thread_root = root.references[0] if root.references else root.key
    return thread_root if len(thread_root) <= _MAX_ID_CHARS else _digest(thread_root)


def _digest(text: str) -> str:
    return "sha1-" + hashlib.sha1(text.encode("utf-8", errors="replace")).hexdigest()[:20]


def _preview(data: bytes) -> str:
    return data[:2000].decode("utf-8", errors="replace")
