"""The text of a ticket that redaction reads, and the redacted ticket put back together from it.

Redaction sees a ticket as an ordered list of `(field, text)` pairs: the subject, each message body and author,
and every string anywhere in `metadata`. `rebuild_ticket` takes the texts back in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tunedesk.records import Ticket


def ticket_fields(ticket: Ticket) -> list[tuple[str, str]]:
    """Every text of a ticket with where it lives: "subject", "messages[2].body", "metadata.requester.email"."""
    fields = [("subject", ticket.subject)]
    for i, message in enumerate(ticket.messages):
        fields.append((f"messages[{i}].body", message.body))
        if message.author:
            fields.append((f"messages[{i}].author", message.author))
    _metadata_strings(ticket.metadata, "metadata", fields)
    return fields


def _metadata_strings(value: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, str):
        out.append((path, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            _metadata_strings(item, f"{path}.{key}", out)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _metadata_strings(item, f"{path}[{i}]", out)


def rebuild_ticket(ticket: Ticket, texts: list[str]) -> Ticket:
    """A copy of the ticket with its texts replaced, in `ticket_fields` order, and its participants dropped."""
    it = iter(texts)
    subject = next(it)
    messages = []
    for message in ticket.messages:
        body = next(it)
        author = next(it) if message.author else message.author
        changed = body is not message.body or author is not message.author
        messages.append(message.model_copy(update={"body": body, "author": author}) if changed else message)
    metadata = _replace_strings(ticket.metadata, it)
    update = {"subject": subject, "messages": messages, "participants": [], "metadata": metadata}
    return ticket.model_copy(update=update)


def _replace_strings(value: Any, texts: Iterator[str]) -> Any:
    if isinstance(value, str):
        return next(texts)
    if isinstance(value, dict):
        return {key: _replace_strings(item, texts) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_replace_strings(item, texts) for item in value)
    return value


def apply_replacements(text: str, replacements: list[tuple[int, int, str, str]]) -> str:
    """The text with each (start, end, kind, placeholder) span, sorted and not overlapping, replaced."""
    pieces, last = [], 0
    for start, end, _, placeholder in replacements:
        pieces += [text[last:start], placeholder]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def context_snippet(text: str, start: int, end: int, width: int) -> str:
    """`width` characters either side of a span, on one line, the span marked as ⟦span⟧."""
    lo, hi = max(0, start - width), end + width
    before, after = ("…" if lo else ""), ("…" if hi < len(text) else "")
    snippet = f"{before}{text[lo:start]}⟦{text[start:end]}⟧{text[end:hi]}{after}"
    return snippet.replace("\r", " ").replace("\n", " ").replace("\t", " ")
