"""Request bodies of the HTTP API, validated at once; errors name the field."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ROLES = {"customer": "user", "user": "user", "agent": "assistant", "assistant": "assistant"}


class ThreadMessage(BaseModel):
    """One message of a ticket thread: customer/user or agent/assistant (internal notes are not sent)."""

    model_config = ConfigDict(extra="ignore")
    role: str
    content: str | None = None
    body: str | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, role: str) -> str:
        if role.lower() not in ROLES and role.lower() != "system":
            raise ValueError(f"unknown role {role!r}: use customer/user or agent/assistant")
        return role.lower()

    def chat(self) -> dict[str, str] | None:
        """As an OpenAI-style message; system messages are dropped (the server writes the system prompt)."""
        if self.role == "system":
            return None
        return {"role": ROLES[self.role], "content": self.content if self.content is not None else (self.body or "")}


class ReplyRequest(BaseModel):
    """POST /v1/replies: a ticket thread and its metadata."""

    model_config = ConfigDict(extra="forbid")
    ticket_id: str | None = Field(None, max_length=255)
    messages: list[ThreadMessage] = Field(min_length=1, max_length=200)
    category: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    stream: bool = False


class SummaryRequest(BaseModel):
    """POST /v1/summaries: a thread to summarise for the agent taking it over."""

    model_config = ConfigDict(extra="forbid")
    messages: list[ThreadMessage] = Field(min_length=1, max_length=500)
    max_words: int | None = Field(None, ge=10, le=500)


class FeedbackRequest(BaseModel):
    """POST /v1/feedback: an agent's review of a reply, or a rating."""

    model_config = ConfigDict(extra="forbid")
    reply_id: str
    kind: Literal["approve", "edit", "reject", "escalate", "thumbs_up", "thumbs_down"]
    text: str | None = Field(None, max_length=20_000)
    actor: str | None = Field(None, max_length=128)


class ChatRequest(BaseModel):
    """POST /v1/chat/completions, the OpenAI shape (unknown OpenAI options are accepted and ignored)."""

    model_config = ConfigDict(extra="allow")
    model: str | None = None
    messages: list[ThreadMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    user: str | None = None
    metadata: dict[str, Any] | None = None
