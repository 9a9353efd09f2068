"""Cutting a prompt to the model's context (its window less `max_new_tokens`) before a backend generates.

What goes first: a thread message that alone takes more than half the room is shortened (its middle is cut, its
beginning and end kept); then the oldest thread turns are dropped (never the last message, the one answered); then
the help-centre articles retrieved into the system prompt, least relevant first; then the last message is
shortened further. The system prompt's policy part is never cut: a prompt that cannot fit without cutting it is a
BackendError (the ticket goes to a person). Every cut is logged with its sizes only, never message text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from tunedesk.answer.backends.base import BackendError
from tunedesk.answer.types import GenerationRequest

__all__ = ["KB_HEADER", "PromptCut", "fit_prompt", "fit_request"]

Messages = list[dict[str, str]]
TokenCount = Callable[[Messages], int]
"""The number of prompt tokens a chat renders to, as the backend counts them."""

KB_HEADER = "\nHelp-centre articles:\n"
"""Where the system prompt's retrieved articles begin (`answer.context`); the policy part is everything before."""
PER_MESSAGE = 16
"""Template tokens allowed per message (role markers, separators) in the no-tokenizing bound."""
GAP = " […] "
MIN_CHARS = 40
log = logging.getLogger("tunedesk.prompt")


@dataclass(frozen=True)
class PromptCut:
    """How a prompt was cut to fit: sizes and counts only (no text, so it can be logged)."""

    tokens_before: int
    tokens_after: int
    limit: int
    turns_dropped: int = 0
    articles_dropped: int = 0
    chars_cut: int = 0

    def describe(self) -> str:
        """One log line."""
        return (f"prompt cut to the model's context: {self.tokens_before} -> {self.tokens_after} tokens "
                f"(room {self.limit}); {self.turns_dropped} oldest turn(s) and {self.articles_dropped} KB "
                f"article(s) dropped, {self.chars_cut} characters cut from the longest message(s)")


def _most_tokens(messages: Messages) -> int:
    """An upper bound of the tokens a chat renders to: a token covers at least one byte of text (byte-level BPE,
    SentencePiece), plus a generous allowance per message for the template's role markers and separators."""
    return sum(len(m["content"].encode("utf-8")) + PER_MESSAGE for m in messages) + PER_MESSAGE


def fit_request(request: GenerationRequest, count: TokenCount, context_tokens: int | None) -> GenerationRequest:
    """The request with its messages cut to `context_tokens - max_new_tokens` (unchanged when it fits or the
    context is unknown)."""
    if not context_tokens:
        return request
    messages, cut = fit_prompt(request.messages, count, context_tokens - request.max_new_tokens)
    return request if cut is None else replace(request, messages=messages)


def fit_prompt(messages: Messages, count: TokenCount, limit: int) -> tuple[Messages, PromptCut | None]:
    """The messages cut to at most `limit` tokens, and how (None when nothing was cut)."""
    if _most_tokens(messages) <= limit:  # almost every request: no need to render and tokenize it to count
        return messages, None
    before = count(messages)
    if before <= limit:
        return messages, None
    fitted = [dict(m) for m in messages]
    system = fitted[:1] if fitted and fitted[0]["role"] == "system" else []
    thread = fitted[len(system):]
    if not thread:
        raise BackendError(f"the system prompt alone is {before} tokens; the model has room for {limit}")
    longest = max(range(len(thread)), key=lambda i: len(thread[i]["content"]))
    others = count([*system, *thread[:longest], {**thread[longest], "content": ""}, *thread[longest + 1:]])
    chars = _shorten(system, thread, longest, count, others + limit // 2)  # no one message takes over half
    thread, turns = _drop_oldest(system, thread, count, limit)
    articles = _drop_articles(system, thread, count, limit)
    chars += _shorten(system, thread, len(thread) - 1, count, limit)
    after = count(system + thread)
    if after > limit:
        raise BackendError(f"the prompt is {after} tokens even with the thread cut to its last message; the model "
                           f"has room for {limit} (the system prompt's policies are never cut)")
    cut = PromptCut(before, after, limit, turns, articles, chars)
    log.warning(cut.describe())
    return system + thread, cut


def _drop_oldest(system: Messages, thread: Messages, count: TokenCount, limit: int) -> tuple[Messages, int]:
    """The fewest oldest turns dropped (binary search) for the prompt to fit, keeping the last message; a thread
    left starting with the agent loses that turn too (chat templates expect the customer first)."""
    low, high = 0, len(thread) - 1
    while low < high:
        middle = (low + high) // 2
        if count(system + thread[middle:]) <= limit:
            high = middle
        else:
            low = middle + 1
    while 0 < low < len(thread) - 1 and thread[low]["role"] != "user":
        low += 1
    return thread[low:], low


def _drop_articles(system: Messages, thread: Messages, count: TokenCount, limit: int) -> int:
    """KB articles dropped from the end of the system prompt (least relevant first) until the prompt fits."""
    if not system or KB_HEADER not in system[0]["content"]:
        return 0
    policy, articles = system[0]["content"].split(KB_HEADER, 1)
    lines = articles.split("\n- ")
    dropped = 0
    while count(system + thread) > limit and lines:
        lines.pop()
        dropped += 1
        system[0]["content"] = policy + KB_HEADER + "\n- ".join(lines) if lines else policy
    return dropped


def _shorten(system: Messages, thread: Messages, index: int, count: TokenCount, room: int) -> int:
    """Cut the middle of one thread message until the prompt takes at most `room` tokens (or the message is down to
    MIN_CHARS); the characters cut."""
    original = thread[index]["content"]
    for _ in range(8):  # a few rounds: the characters per token of one message differ from the prompt's
        total, current = count(system + thread), thread[index]["content"]
        if total <= room or len(current) <= MIN_CHARS:
            break
        chars_per_token = sum(len(m["content"]) for m in system + thread) / max(total, 1)
        keep = max(MIN_CHARS, len(current) - int((total - room) * chars_per_token * 1.1) - len(GAP))
        thread[index] = {**thread[index], "content": _cut_middle(original, keep)}
    return len(original) - len(thread[index]["content"])


def _cut_middle(text: str, keep: int) -> str:
    """The text's first and last parts, `keep` characters in all, joined by a gap mark."""
    if len(text) <= keep:
        return text
    head = keep * 2 // 3
    return text[:head].rstrip() + GAP + text[len(text) - (keep - head):].lstrip()
