"""Model-written thread summaries for the agent taking a ticket over: the served model writes four short lines
(what the customer wants, what was tried, what is promised, the open question), every sentence is checked against
the thread (`answer.faithfulness`), and when one is unsupported the extractive summary is served instead — the
response says so and which sentences failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tunedesk.answer.backends.base import Backend
from tunedesk.answer.extractive_summary import summarise
from tunedesk.answer.faithfulness import SentenceCheck, check_summary
from tunedesk.answer.types import GenerationRequest
from tunedesk.config.serve import SummariesConfig

__all__ = ["ServedSummary", "served_summary", "summarise_with_model", "summary_request", "thread_text"]

INSTRUCTIONS = (
    "You write a handover note for the support agent who takes this ticket over. Use only what the conversation "
    "says: never add a number, date, order number, product or promise it does not contain. Write exactly four "
    "short lines:\nWants: what the customer wants.\nTried: what was already tried or answered.\nPromised: what the "
    "agent promised.\nOpen question: what is still open.\nWrite 'none' for a line the conversation has nothing for. "
    "At most {words} words."
)


@dataclass
class ServedSummary:
    """The summary served, how it was written, and the faithfulness verdict on the model's text."""

    text: str
    words: int
    method: str
    """model (the model's text passed the check) or extractive."""
    fallback: bool = False
    """True when the model's text was written but not served (unsupported sentences, empty, or a backend error)."""
    reason: str | None = None
    model_text: str | None = None
    checks: list[SentenceCheck] = field(default_factory=list)

    @classmethod
    def extractive(cls, thread: list[dict[str, str]], max_words: int, reason: str | None = None,
                   model_text: str | None = None, checks: list[SentenceCheck] | None = None) -> ServedSummary:
        """The extractive summary served: as configured (no reason), or as the fallback of the model's (a reason)."""
        found = summarise(thread, max_words)
        return cls(found.text, found.words, "extractive", reason is not None, reason, model_text, checks or [])

    def unsupported(self) -> list[SentenceCheck]:
        """The model's sentences the thread does not support."""
        return [c for c in self.checks if not c.supported]

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of /v1/summaries."""
        body: dict[str, Any] = {"summary": self.text, "words": self.words, "method": self.method,
                                "fallback": self.fallback}
        if self.fallback:
            body.update(reason=self.reason, model_summary=self.model_text,
                        unsupported=[c.as_dict() for c in self.unsupported()])
        return body


def thread_text(thread: list[dict[str, str]]) -> str:
    """The thread as the model reads it: "Customer: ..." and "Agent: ..." paragraphs."""
    return "\n\n".join(f"{'Customer' if m['role'] == 'user' else 'Agent'}: {m.get('content', '').strip()}"
                       for m in thread if m.get("role") in ("user", "assistant"))


def summary_request(thread: list[dict[str, str]], max_words: int, config: SummariesConfig) -> GenerationRequest:
    """The generation request for a thread's summary: greedy, so the same thread always gets the same summary."""
    messages = [{"role": "system", "content": INSTRUCTIONS.format(words=max_words)},
                {"role": "user", "content": "Conversation:\n\n" + thread_text(thread) + "\n\nWrite the handover note."}]
    return GenerationRequest(messages=messages, max_new_tokens=config.max_new_tokens, temperature=0.0, seed=0)


def served_summary(model_text: str | None, thread: list[dict[str, str]], max_words: int, min_support: float,
                   failure: str | None = None) -> ServedSummary:
    """The model's summary when the thread supports every sentence of it (cut to `max_words`), else the extractive
    one with the reason and the failing sentences."""
    if failure is not None or model_text is None:
        return ServedSummary.extractive(thread, max_words, f"model failed: {failure}")
    text = within_words(model_text, max_words)
    checks = check_summary(text, [m.get("content", "") for m in thread], min_support)
    if not checks:
        return ServedSummary.extractive(thread, max_words, "the model wrote nothing", text)
    failed = [c for c in checks if not c.supported]
    if failed:
        reason = f"{len(failed)} of {len(checks)} sentences not supported by the thread"
        return ServedSummary.extractive(thread, max_words, reason, text, checks)
    return ServedSummary(text, len(text.split()), "model", checks=checks)


def summarise_with_model(backend: Backend, thread: list[dict[str, str]], max_words: int,
                         config: SummariesConfig) -> ServedSummary:
    """Generate, check and serve one thread's summary (the extractive one when the mode is extractive)."""
    if config.mode == "extractive":
        return ServedSummary.extractive(thread, max_words)
    try:
        completion = backend.generate(summary_request(thread, max_words, config))
    except Exception as exc:  # any backend failure: the agent still gets the extractive summary
        return served_summary(None, thread, max_words, config.min_support, failure=type(exc).__name__)
    return served_summary(completion.text, thread, max_words, config.min_support)


def within_words(text: str, max_words: int) -> str:
    """The text's lines, whole, up to `max_words` words (the first line cut when it alone is longer)."""
    kept: list[str] = []
    used = 0
    for line in (raw.strip() for raw in text.strip().splitlines()):
        if not line:
            continue
        words = line.split()
        if used + len(words) > max_words:
            if not kept:
                kept.append(" ".join(words[:max_words]))
            break
        kept.append(line)
        used += len(words)
    return "\n".join(kept)
