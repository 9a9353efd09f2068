"""The judge contract: a judge scores replies to held-out items 3 (correct), 2 (partial) or 1 (wrong), with reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from tunedesk.prompt.precedents import split_prompt


@dataclass
class Item:
    """One held-out example, as the eval stage gives it."""

    id: str
    category: str
    kind: str
    """answer | escalation | refusal | cannot_know"""
    messages: list[dict[str, str]]
    """The prompt: system + conversation, without the reference reply."""
    reference: str
    """The reference reply (may carry the escalation marker)."""

    @property
    def system_text(self) -> str:
        """The system prompt(s) of the item, without precedents: other customers' tickets ground nothing in a
        reply to this one (a name or order number copied from them is invented here)."""
        return "\n".join(split_prompt(_content(m))[0] for m in self.messages if _role(m) == "system")

    @property
    def customer_text(self) -> str:
        """Everything the customer wrote."""
        return "\n".join(_content(m) for m in self.messages if _role(m) == "user")

    @property
    def prompt_text(self) -> str:
        """The whole prompt: system (without precedents) and every turn of the conversation."""
        return "\n".join(split_prompt(_content(m))[0] if _role(m) == "system" else _content(m)
                         for m in self.messages)


@dataclass
class Verdict:
    """A judge's score for one reply, with short reasons (most important first) and machine-readable checks."""

    score: int
    reasons: list[str] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)


class Judge(Protocol):
    """Scores a batch of replies, one verdict per item."""

    name: str

    def judge(self, items: list[Item], replies: list[str]) -> list[Verdict]:
        """One verdict per (item, reply) pair, in order."""
        ...


def item_from_row(row: dict[str, Any]) -> Item:
    """An item from a held-out dataset row (messages end with the reference as the assistant turn)."""
    messages = [m for m in row.get("messages") or [] if isinstance(m, dict)]
    has_reference = bool(messages) and _role(messages[-1]) == "assistant"
    reference = _content(messages[-1]) if has_reference else ""
    prompt = messages[:-1] if has_reference else messages
    turns = [{"role": _role(m), "content": _content(m)} for m in prompt]
    return Item(id=str(row.get("id", "")), category=str(row.get("category") or ""),
                kind=str(row.get("kind") or "answer"), messages=turns, reference=reference)


def _role(message: dict[str, Any]) -> str:
    return str(message.get("role") or "")


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    return content if isinstance(content, str) else ""
