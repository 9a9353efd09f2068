"""The records every stage speaks: importers produce them, the store keeps them, later stages transform them —
from the tickets and articles of an export to the training examples, and from a ticket the server is asked to
answer to the reply it gives and the agents' feedback on it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    """Who wrote a message: the customer, a public agent reply, an internal note, or the system."""

    customer = "customer"
    agent = "agent"
    note = "note"
    system = "system"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Participant(_Record):
    """A person named in the export (requester, agent); clean uses them to find names and emails to redact."""

    name: str | None = None
    email: str | None = None
    role: Role = Role.customer


class Message(_Record):
    """One message of a ticket thread, as plain text."""

    role: Role
    body: str
    author: str | None = None
    created_at: datetime | None = None
    public: bool = True


class Ticket(_Record):
    """A support conversation from any helpdesk, normalised.

    `id` is `<source>:<external_id>`, so re-importing the same export updates the same record.
    """

    id: str
    source: str
    external_id: str
    subject: str = ""
    messages: list[Message] = Field(default_factory=list)
    participants: list[Participant] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    category: str | None = None
    status: str | None = None
    csat: float | None = None
    """Customer satisfaction on a 1–5 scale (Zendesk good/bad map to 5/1)."""
    channel: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    escalation: str | None = None
    """Set by clean: the name of the escalation rule the ticket matched, if any."""
    quality: float | None = None
    """Set by clean: a 0–1 quality score of the final agent answer."""

    @classmethod
    def make_id(cls, source: str, external_id: object) -> str:
        """The stable store id for a ticket of a source."""
        return f"{source}:{external_id}"

    def public_messages(self) -> list[Message]:
        """Messages a customer could see: internal notes and system events left out."""
        return [m for m in self.messages if m.role in (Role.customer, Role.agent)]

    def content_hash(self) -> str:
        """A hash of the whole record, to tell an unchanged re-import from an update."""
        return hashlib.sha1(self.model_dump_json().encode()).hexdigest()


class Article(_Record):
    """A knowledge-base article, as plain text (Markdown kept)."""

    id: str
    source: str
    external_id: str
    title: str
    body: str
    url: str | None = None
    category: str | None = None
    tags: list[str] = Field(default_factory=list)
    updated_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    def content_hash(self) -> str:
        """A hash of the whole record, to tell an unchanged re-import from an update."""
        return hashlib.sha1(self.model_dump_json().encode()).hexdigest()


class Rejected(_Record):
    """A record an importer could not read: quarantined with its reason, never silently lost."""

    source_file: str
    locator: str
    """Where in the file: `line 17`, `tickets[3]`, `message 2`, or `file` for the whole file."""
    reason: str
    field: str | None = None
    raw: str = ""
    """The start of the raw record (at most 2,000 characters), for a person to inspect."""


ImportedRecord = Ticket | Article | Rejected

ExampleKind = Literal["answer", "escalation", "refusal", "cannot_know"]
"""What a training example teaches: answer from policy, hand over to a human, refuse off-topic, or say the live
data (order status, stock) cannot be seen from here."""
Split = Literal["train", "val", "holdout"]


class ChatTurn(_Record):
    """One turn of a chat example, in the OpenAI chat format's roles."""

    role: Literal["system", "user", "assistant"]
    content: str


class Example(_Record):
    """One training or evaluation example built from a cleaned ticket: the conversation so far and its target
    (the last assistant turn)."""

    id: str
    ticket_id: str
    category: str | None = None
    kind: ExampleKind = "answer"
    split: Split | None = None
    messages: list[ChatTurn]
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def target(self) -> str:
        """The assistant reply the example teaches (its last turn)."""
        return self.messages[-1].content

    @property
    def customer_text(self) -> str:
        """Everything the customer wrote in the example."""
        return "\n".join(t.content for t in self.messages if t.role == "user")


Record = TypeVar("Record", bound=BaseModel)


def copy_record(record: Record, update: dict[str, Any]) -> Record:
    """What `record.model_copy(update=update)` gives, made directly for a model without extra or private fields
    (values trusted, as with model_copy).

    pydantic's general copy goes through `copy.copy` three times; clean copies about seven records per ticket.
    """
    if record.__pydantic_extra__ is not None or record.__pydantic_private__ is not None:
        return record.model_copy(update=update)
    copied = _new(type(record))
    # BaseModel's own slot setters, called directly: what object.__setattr__ does, without looking them up.
    _set_dict(copied, record.__dict__ | update)  # the same keys in the same order as a copy then update
    fields_set = record.__pydantic_fields_set__
    _set_fields_set(copied, fields_set.copy() if update.keys() <= fields_set else fields_set.union(update))
    _set_extra(copied, None)
    _set_private(copied, None)
    return copied


_new = object.__new__
_set_dict = vars(BaseModel)["__dict__"].__set__
_set_fields_set = vars(BaseModel)["__pydantic_fields_set__"].__set__
_set_extra = vars(BaseModel)["__pydantic_extra__"].__set__
_set_private = vars(BaseModel)["__pydantic_private__"].__set__


# What the server is asked and answers: dataclasses, built on every request without validation.


@dataclass
class TicketIn:
    """A ticket as the server sees it: the thread so far (OpenAI-style roles), ending with the customer."""

    id: str
    messages: list[dict[str, str]]
    """[{"role": "user" | "assistant", "content": ...}], oldest first; no system message (the server writes it)."""
    category: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def customer_text(self) -> str:
        """Everything the customer wrote, oldest first."""
        return "\n".join(m["content"] for m in self.messages if m.get("role") == "user")

    @property
    def last_customer_text(self) -> str:
        """The customer's latest message."""
        return next((m["content"] for m in reversed(self.messages) if m.get("role") == "user"), "")


@dataclass
class ReplyResult:
    """What /v1/replies answers for one ticket."""

    id: str
    ticket_id: str
    reply: str
    decision: str
    confidence: str
    confidence_score: float
    escalate: bool
    reasons: list[str]
    category: str | None
    sources: list[dict[str, Any]]
    model_version: str | None
    latency_ms: float
    mode: str
    rollout_bucket: int
    timings_ms: dict[str, float] = field(default_factory=dict)
    overhead_ms: float = 0.0
    """The server's own time on this reply: guardrails before and after generation and the KB context."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON body."""
        return asdict(self)


@dataclass
class ServedReply:
    """One logged reply, as the review queue and the learning loop read it."""

    id: str
    ticket_id: str
    category: str | None
    mode: str
    decision: str
    reasons: list[str]
    confidence: str | None
    confidence_score: float | None
    model_version: str | None
    rollout_bucket: int | None
    in_rollout: bool
    latency_ms: float | None
    thread: list[dict[str, str]]
    reply: str
    sources: list[dict[str, Any]]
    status: str
    final_text: str | None
    reviewer: str | None
    reviewed_at: datetime | None
    rating: int | None
    created_at: datetime


@dataclass(frozen=True)
class Feedback:
    """One agent action on a served reply: a review (approve, edit, reject, escalate) or a rating (thumbs_up,
    thumbs_down), with the edited text or note, who did it and when (UTC)."""

    reply_id: str
    kind: str
    text: str | None
    actor: str | None
    at: datetime
