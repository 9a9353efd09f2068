"""The text of a ticket that redaction reads, and the redacted ticket put back together from it.

Redaction sees a ticket as an ordered list of `(field, text)` pairs: the subject, each message body and author,
and every string anywhere in `metadata`. `rebuild_ticket` puts the changed texts back at the same positions.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping

from tunedesk.records import Ticket, copy_record


def ticket_fields(ticket: Ticket) -> list[tuple[str, str]]:
    """Every text of a ticket with where it lives: "subject", "messages[2].body", "metadata.requester.email"."""
    fields = [("subject", ticket.subject)]
    for i, message in enumerate(ticket.messages):
        fields.append((f"messages[{i}].body", message.body))
        if message.author:
            fields.append((f"messages[{i}].author", message.author))
    _metadata_strings(ticket.metadata, "metadata", fields)
    return fields


def _metadata_strings(value: object, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, str):
        out.append((path, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            _metadata_strings(item, f"{path}.{key}", out)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _metadata_strings(item, f"{path}[{i}]", out)


def ticket_texts(ticket: Ticket, authors: list[str] | None = None) -> list[str]:
    """The texts of `ticket_fields` in the same order, without their names (most fields never need one).

    `authors`: a list to which the message authors are added as well, in order (saves redaction a second pass).
    """
    texts = [ticket.subject]
    for message in ticket.messages:
        texts.append(message.body)
        author = message.author
        if author:
            texts.append(author)
            if authors is not None:
                authors.append(author)
    if ticket.metadata:
        _metadata_texts(ticket.metadata, texts)
    return texts


_CONTAINERS = (dict, list, tuple)  # a tuple of types: `dict | list | tuple` would build a union object each time


def _metadata_texts(value: dict[str, object] | list[object] | tuple[object, ...], out: list[str]) -> None:
    # Scalars are tested here rather than in a call per value: most metadata values are numbers and ids.
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, _CONTAINERS):
            _metadata_texts(item, out)


def field_name(ticket: Ticket, position: int) -> str:
    """The name `ticket_fields` gives the text at this position."""
    if position == 0:
        return "subject"
    current = 1
    for i, message in enumerate(ticket.messages):
        if position == current:
            return f"messages[{i}].body"
        if message.author:
            current += 1
            if position == current:
                return f"messages[{i}].author"
        current += 1
    return ticket_fields(ticket)[position][0]


def rebuild_ticket(ticket: Ticket, replaced: Mapping[int, str]) -> Ticket:
    """A copy of the ticket with the texts at these `ticket_fields` positions replaced and its participants dropped.

    Messages and metadata without a replaced text are the input's own objects (a shallow copy, as `model_copy`).
    """
    messages = []
    position = 1  # 0 is the subject
    if len(replaced) > (0 in replaced):  # a position other than the subject's
        for message in ticket.messages:
            body = replaced.get(position, message.body)
            author = message.author
            if author:
                position += 1
                author = replaced.get(position, author)
            position += 1
            changed = body is not message.body or author is not message.author
            messages.append(copy_record(message, {"body": body, "author": author}) if changed else message)
    else:  # only the subject, if anything, changes: every message stays (what the loop above would find)
        messages = list(ticket.messages)
    metadata = ticket.metadata
    if any(index >= position for index in replaced):
        texts = _numbered_texts(replaced, position)
        metadata = {key: _replace_strings(item, texts) for key, item in metadata.items()}
    update = {"subject": replaced.get(0, ticket.subject), "messages": messages, "participants": [],
              "metadata": metadata}
    return copy_record(ticket, update)


def _numbered_texts(replaced: Mapping[int, str], first: int) -> Iterator[str | None]:
    """The replacement for each metadata string in turn (None: keep the string), from field position `first` on."""
    position = first
    while True:
        yield replaced.get(position)
        position += 1


def _replace_strings(value: object, texts: Iterator[str | None]) -> object:
    if isinstance(value, str):
        new = next(texts)
        return value if new is None else new
    if isinstance(value, dict):
        return {key: _replace_strings(item, texts) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_replace_strings(item, texts) for item in value)
    return value


def split_by_field(texts: list[str], replacements: list[tuple[int, int, str, str]],
                   separator: int) -> dict[int, list[tuple[int, int, str, str]]]:
    """Spans found in the texts joined by a `separator`-long break, by field position, offsets made local.

    A span that begins in a break counts from the next field; one that runs past its field's end is cut there.
    """
    if not replacements:
        return {}
    ends, position = [], -separator  # where each field ends in the joined text
    for text in texts:
        position += len(text) + separator
        ends.append(position)
    last = len(texts) - 1
    per_field: dict[int, list[tuple[int, int, str, str]]] = {}
    for start, end, kind, placeholder in replacements:
        i = bisect_right(ends, start)
        if i > last:
            i = last
        field_end = ends[i]
        offset = field_end - len(texts[i])
        local_start = start - offset if start > offset else 0
        local_end = (end if end < field_end else field_end) - offset
        if local_end > local_start:
            spans = per_field.get(i)
            if spans is None:
                per_field[i] = [(local_start, local_end, kind, placeholder)]
            else:
                spans.append((local_start, local_end, kind, placeholder))
    return per_field


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
