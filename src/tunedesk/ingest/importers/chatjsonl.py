"""The `jsonl` importer: OpenAI chat fine-tuning files (`{"messages": [...]}`) and legacy prompt/completion files.

One line is one record: a Ticket, or a Rejected naming `line N` and the field at fault. Blank lines are not
records. In a function-calling file, an assistant turn that only calls tools (`tool_calls` or `function_call`, no
text) and the `tool` (or `function`) turns answering it are skipped and counted in the ticket's metadata
(`tool_turns_skipped`); a line left without a user and an assistant text message is rejected. The line reader,
the legacy-separator helpers and `parse_timestamp` here are shared with the `csv` importer.
"""

from __future__ import annotations

import codecs
import email.utils
import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict

from tunedesk.errors import RecordError
from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject, require
from tunedesk.ingest.importers.fields import as_dict
from tunedesk.records import ImportedRecord, Message, Role, Ticket

CHAT_ROLES = {"system": Role.system, "developer": Role.system, "user": Role.customer, "assistant": Role.agent}
_TOOL_ROLES = frozenset({"tool", "function"})
_CALL_KEYS = ("tool_calls", "function_call")
_KNOWN_KEYS = frozenset({"messages", "prompt", "completion", "id", "category", "tags", "metadata", "subject",
                         "created_at"})
_SHAPE_START = re.compile(r'\s*\{\s*"(?:messages|prompt|completion)"\s*:')
# OpenAI's legacy fine-tuning guide ended prompts with "\n\n###\n\n" or "->" and completions with "\n" or " END".
_PROMPT_SEPARATOR = re.compile(r"\s*(?:###|->)\s*$")
_COMPLETION_STOP = re.compile(r"\s*(?:\bEND\b|###)\s*$")
_WIDE_CODECS = ("utf-16", "utf-32")
_EPOCH = re.compile(r"\d{9,11}(?:\.\d+)?")
_TIME_FORMATS = ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M")


def _check_encoding(value: str) -> str:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"unknown text encoding {value!r}") from None
    return value


Encoding = Annotated[str, AfterValidator(_check_encoding)]
"""An option naming a text encoding Python knows (`utf-8`, `cp1252`, `utf-16`, …)."""


class DecodedLine(NamedTuple):
    """One physical line of a text file; `error` says why its bytes could not be decoded (then `text` is lossy)."""

    number: int
    text: str
    error: str | None = None


def read_lines(path: Path, encoding: str) -> Iterator[DecodedLine]:
    """The lines of a file decoded one by one, so that one bad byte spoils one line and not the whole file."""
    codec = codecs.lookup(encoding).name
    if codec.startswith(_WIDE_CODECS):  # a newline byte can sit inside a UTF-16/32 character: decode the file whole
        yield from _read_wide_lines(path, codec)
        return
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8) and codec == "utf-8":
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                yield DecodedLine(number, raw.decode(codec))
            except UnicodeDecodeError as exc:
                reason = f"bytes not valid {encoding} at line {number}, column {exc.start + 1}"
                yield DecodedLine(number, raw.decode(codec, errors="replace"), reason)


def _read_wide_lines(path: Path, codec: str) -> Iterator[DecodedLine]:
    data = path.read_bytes()
    try:
        text, bad_line = data.decode(codec), 0
    except UnicodeDecodeError as exc:
        text = data.decode(codec, errors="replace")
        bad_line = data[:exc.start].decode(codec, errors="replace").count("\n") + 1
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(keepends=True), start=1):
        yield DecodedLine(number, line, f"bytes not valid {codec} at line {number}" if number == bad_line else None)


def strip_legacy_prompt(prompt: str) -> str:
    """A legacy fine-tuning prompt without its trailing separator ("\\n\\n###\\n\\n" or "->")."""
    return _PROMPT_SEPARATOR.sub("", prompt).strip()


def strip_legacy_completion(completion: str) -> str:
    """A legacy fine-tuning completion without its leading space and trailing stop sequence ("END", "\\n")."""
    return _COMPLETION_STOP.sub("", completion).strip()


def parse_timestamp(value: str) -> datetime | None:
    """A timestamp in ISO 8601, RFC 2822, Twitter's or a few spreadsheet formats, or Unix seconds; naive → UTC."""
    parsed = _parse_any_time(value.strip())
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_any_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    if _EPOCH.fullmatch(value):
        return datetime.fromtimestamp(float(value), tz=UTC)  # at most 11 digits: always a representable year
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class ChatJsonlOptions(BaseModel):
    """Options of the `jsonl` importer."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    source_name: str | None = None
    """The source label of the tickets (default `jsonl`); ticket ids are `<source_name>:<id>`."""
    encoding: Encoding = "utf-8"
    """The text encoding of the file; a line that does not decode is quarantined."""


@register("jsonl")
class ChatJsonlImporter(Importer):
    """OpenAI chat (`messages`) or legacy (`prompt`/`completion`) JSONL: one line, one ticket."""

    name = "jsonl"
    suffixes = (".jsonl", ".ndjson")
    Options = ChatJsonlOptions
    options: ChatJsonlOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """True when the first non-blank line is a chat or prompt/completion object."""
        first = next((line for line in head.splitlines() if line.strip()), "")
        try:
            record = json.loads(first)
        except ValueError:
            return bool(_SHAPE_START.match(first))  # the first line may be longer than the head
        return isinstance(record, dict) and (
            isinstance(record.get("messages"), list) or "prompt" in record or "completion" in record
        )

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """One ticket per line; a line that is not valid JSON or has neither shape becomes a Rejected."""
        source = self.options.source_name or self.name
        first_seen: dict[str, int] = {}
        for line in read_lines(path, self.options.encoding):
            if not line.text.strip():
                continue
            locator = f"line {line.number}"
            if line.error:
                yield reject(path, locator, line.error, raw=line.text, field="encoding")
                continue
            try:
                ticket = chat_ticket(_parse_json(line.text), source, f"{path.stem}-{line.number}")
            except RecordError as exc:
                yield reject(path, locator, exc, raw=line.text)
                continue
            if ticket.external_id in first_seen:
                reason = f"duplicate id {ticket.external_id!r} (first seen on line {first_seen[ticket.external_id]})"
                yield reject(path, locator, reason, raw=line.text, field="id")
                continue
            first_seen[ticket.external_id] = line.number
            yield ticket


def _parse_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # an over-long integer, or nesting deeper than the parser allows
        raise RecordError(f"invalid JSON: {exc}") from None


def chat_ticket(record: object, source: str, default_id: str) -> Ticket:
    """The ticket of one chat or prompt/completion object; RecordError names the field at fault."""
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, got {type(record).__name__}")
    skipped = 0
    if "messages" in record:
        messages, skipped = _chat_messages(require(record, "messages", list))
    elif "prompt" in record or "completion" in record:
        messages = [
            Message(role=Role.customer, body=strip_legacy_prompt(require(record, "prompt", str))),
            Message(role=Role.agent, body=strip_legacy_completion(require(record, "completion", str))),
        ]
    else:
        raise RecordError("neither a chat record ('messages') nor a prompt/completion record", field="messages")
    external_id = _external_id(record.get("id"), default_id)
    return Ticket(
        id=Ticket.make_id(source, external_id), source=source, external_id=external_id,
        subject=_optional_str(record, "subject") or "", messages=messages, category=_optional_str(record, "category"),
        tags=_tags(record.get("tags")), created_at=_created_at(record),
        metadata={**_metadata(record), **({"tool_turns_skipped": skipped} if skipped else {})},
    )


def _chat_messages(items: list[object]) -> tuple[list[Message], int]:
    """The text turns of a chat, and how many tool-call and tool-result turns were skipped."""
    messages, skipped = [], 0
    for index, raw in enumerate(items):
        where = f"messages[{index}]"
        item = as_dict(raw, where)
        role_name = require(item, "role", str, where)
        if _is_tool_turn(item, role_name):
            skipped += 1
            continue
        if role_name not in CHAT_ROLES:
            reason = f"unknown role {role_name!r} (expected system, user, assistant or tool)"
            raise RecordError(reason, field=f"{where}.role")
        author = item.get("name")
        messages.append(Message(
            role=CHAT_ROLES[role_name], body=_content_text(item.get("content"), f"{where}.content"),
            author=author if isinstance(author, str) else None,
        ))
    roles = {m.role for m in messages}
    if skipped and not {Role.customer, Role.agent} <= roles:
        raise RecordError(f"no user and assistant text exchange is left once the {skipped} tool-call and tool "
                          "turn(s) are skipped (the assistant only calls functions)", field="messages")
    if not roles & {Role.customer, Role.agent}:
        raise RecordError("no user or assistant message", field="messages")
    return messages, skipped


def _is_tool_turn(item: Mapping[str, object], role_name: str) -> bool:
    """A tool's result, or an assistant turn that only calls tools (its text, when it has some, is kept)."""
    if role_name in _TOOL_ROLES:
        return True
    calls = any(item.get(key) for key in _CALL_KEYS)
    return role_name == "assistant" and calls and item.get("content") in (None, "", [])


def _content_text(content: object, field: str) -> str:
    """A message's text: a string, or a list of text parts joined by newlines."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        got = "nothing" if content is None else type(content).__name__
        raise RecordError(f"expected a string or a list of text parts, got {got}", field=field)
    texts = []
    for index, part in enumerate(content):
        if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
            reason = "only text parts ({'type': 'text', 'text': ...}) are supported"
            raise RecordError(reason, field=f"{field}[{index}]")
        texts.append(part["text"])
    return "\n".join(texts)


def _external_id(value: object, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise RecordError(f"expected a non-empty string or integer, got {value!r}"[:200], field="id")
    return str(value).strip()


def _optional_str(record: Mapping[str, object], key: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise RecordError(f"expected a string, got {type(value).__name__}", field=key)
    return value or None


def _created_at(record: Mapping[str, object]) -> datetime | None:
    value = record.get("created_at")
    if value is None:
        return None
    parsed = parse_timestamp(str(value)) if isinstance(value, str | int | float) else None
    if parsed is None:
        raise RecordError(f"not a date/time: {str(value)[:50]!r}", field="created_at")
    return parsed


def _tags(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return [t for t in value if t.strip()]
    raise RecordError("expected a list of strings or a comma-separated string", field="tags")


def _metadata(record: Mapping[str, object]) -> dict[str, object]:
    """The record's `metadata` object plus every top-level key this importer does not map, so nothing is lost."""
    metadata = record.get("metadata", {})
    if not isinstance(metadata, dict):
        raise RecordError(f"expected an object, got {type(metadata).__name__}", field="metadata")
    extra = {key: value for key, value in record.items() if key not in _KNOWN_KEYS}
    return {**metadata, **extra}
