"""What passes between the parts of the answering pipeline: guardrail verdicts, the context, generation in and out.
The ticket in and the reply out are records (`tunedesk.records.TicketIn`, `ReplyResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["pass", "escalate", "refuse", "review"]
"""What a guardrail asks for: nothing; a human takes the ticket; the model's reply is replaced by the refusal;
the reply may be drafted but never auto-sent."""


@dataclass
class GuardVerdict:
    """One guardrail's finding: its name, what it asks for, a stable reason code and a human-readable detail."""

    guard: str
    action: Action
    reason: str
    """A stable code: refund_exception, negative_sentiment, prompt_injection, off_topic, ungrounded_fact, ..."""
    detail: str = ""
    confidence_penalty: float = 0.0
    """Subtracted from the calibrated confidence score (0–1) by soft findings."""


@dataclass
class Context:
    """What the model is given besides the thread: the system prompt and the KB passages retrieved into it."""

    system_prompt: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    """[{"id", "title", "score"}] of the KB articles used."""
    texts: list[str] = field(default_factory=list)
    """Every text the reply may be grounded in: system prompt, KB passages, the customer's messages."""


@dataclass
class GenerationRequest:
    """What a backend is asked to generate."""

    messages: list[dict[str, str]]
    """Full chat: system first, then the thread."""
    max_new_tokens: int = 256
    temperature: float = 0.3
    seed: int | None = 0
    stop: list[str] = field(default_factory=list)


@dataclass
class Completion:
    """A finished generation with the signal the confidence is computed from."""

    text: str
    finish_reason: str = "stop"
    """stop | length"""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    mean_logprob: float | None = None
    """Mean log-probability of the generated tokens (None when the backend cannot tell)."""
    min_logprob: float | None = None
