"""Reading helpdesk API payloads (Zendesk, Freshdesk, Intercom): lenient JSON/NDJSON files, joined across files.

The reading driver `read_api_files` runs two passes so records can be joined across files: every JSON document is
parsed and *planned* first (auxiliary payloads such as users or comment lists are absorbed by the importer), then
records are converted file by file in the order given. NDJSON files are streamed line by line in the second pass;
an importer may offer a quick path for the common line of a UTF-8 file, fed by orjson, which hands anything unusual
back to the exact path (`json` and the importer's strict conversion) so outcomes never depend on the path taken.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from pydantic import BaseModel, ConfigDict, field_validator

from tunedesk.errors import RecordError
from tunedesk.ingest.importers.base import read_head, reject
from tunedesk.ingest.importers.fields import safe_id
from tunedesk.records import ImportedRecord, Rejected

NDJSON_SUFFIXES = (".ndjson", ".jsonl")
HEAD_SIZE = 65536
READ_BUFFER = 1 << 20  # export lines run to kilobytes: the default 8 KiB buffer would refill every line or two
_SCALARS = (str, int, float, bool)

Unit = tuple[str, object]
"""One record to convert: its locator in the file (`tickets[3]`, `line 17`) and its raw JSON value."""
Plan = Callable[[Path, object], list[Unit | Rejected]]
Convert = Callable[[Path, str, object], ImportedRecord]
Quick = Callable[[object], ImportedRecord | None]
"""An importer's quick path for one NDJSON line as orjson parsed it: the record, or None (or any error) to hand the
line to the exact path. orjson reads integers beyond 64 bits as floats: where that would change the record, the quick
path must hand the line over."""


class ApiOptions(BaseModel):
    """Options every helpdesk API importer shares; each importer adds `source_name` with its own default."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    encoding: str = "utf-8"
    """Text encoding of the files, any Python codec name (`utf-8`, `cp1252`, `latin-1`, …)."""

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}") from None
        return value


# ---------------------------------------------------------------- reading files


def read_api_files(
    paths: Iterable[Path], encoding: str, plan: Plan, convert: Convert, quick: Quick | None = None
) -> Iterator[ImportedRecord]:
    """Plan every JSON document first (so auxiliary payloads are known), then convert records file by file."""
    planned = [(path, plan_file(path, encoding, plan)) for path in paths]
    quick = quick if codecs.lookup(encoding).name == "utf-8" else None  # orjson reads UTF-8 only
    for path, units in planned:
        if units is None:
            yield from _convert_ndjson(path, encoding, convert, quick)
            continue
        for unit in units:
            yield unit if isinstance(unit, Rejected) else guarded(convert, path, *unit)


def plan_file(path: Path, encoding: str, plan: Plan) -> list[Unit | Rejected] | None:
    """The records of one JSON document (None: the file is NDJSON, streamed later), or its Rejected."""
    try:
        head = read_head(path, HEAD_SIZE)
        if not head.strip() and path.stat().st_size <= HEAD_SIZE:
            return [reject(path, "file", "empty file")]
        if path.suffix.lower() in NDJSON_SUFFIXES or looks_like_ndjson(head):
            return None
        data = path.read_bytes()
    except OSError as exc:
        return [reject(path, "file", exc)]
    try:
        text = decode(data, encoding, "file")
        payload = json.loads(text)
    except RecordError as exc:
        return [reject(path, "file", exc, raw=data[:2000].decode(encoding, errors="replace"))]
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several JSON values one after another: NDJSON without the suffix
            return None
        return [reject(path, "file", f"broken JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", raw=text)]
    try:
        return plan(path, payload)
    except RecordError as exc:
        return [reject(path, "file", exc, raw=payload)]
    except Exception as exc:  # a surprising payload must never stop an import
        return [reject(path, "file", f"unexpected {type(exc).__name__}: {exc}", raw=payload)]


def looks_like_ndjson(head: str) -> bool:
    """True when a file starts with one JSON object per line (its first or second line parses on its own)."""
    lines = [line for line in head.splitlines()[:20] if line.strip()][:2]
    if len(lines) < 2 or not lines[0].lstrip("\ufeff \t").startswith("{"):
        return False
    for line in lines:
        try:
            if isinstance(json.loads(line.removeprefix("\ufeff")), dict):
                return True
        except ValueError:
            continue
    return False


def decode(data: bytes, encoding: str, where: str) -> str:
    """Bytes as text, or a RecordError naming the first undecodable byte."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise RecordError(
            f"cannot decode as {encoding} at byte {exc.start} of the {where} ({exc.reason}); "
            "set the importer option `encoding` if the file uses another codec"
        ) from None
    return text.removeprefix("\ufeff")


def _convert_ndjson(path: Path, encoding: str, convert: Convert, quick: Quick | None) -> Iterator[ImportedRecord]:
    try:
        for item in iter_ndjson(path, encoding, quick):
            yield guarded(convert, path, *item) if isinstance(item, tuple) else item
    except (OSError, UnicodeError) as exc:
        yield reject(path, "file", exc)


def iter_ndjson(path: Path, encoding: str, quick: Quick | None = None) -> Iterator[Unit | ImportedRecord]:
    """(`line N`, value) for each non-blank line, or a Rejected naming the line and the bad byte or JSON column.

    With `quick` (UTF-8 files only), a line it converts is yielded as its record instead.
    """
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        yield from _iter_wide_ndjson(path, encoding)  # these codecs cannot be split on the byte b"\n"
        return
    offset = 0
    with open(path, "rb", buffering=READ_BUFFER) as fh:
        for number, raw in enumerate(fh, start=1):
            start, offset = offset, offset + len(raw)
            if raw.isspace():
                continue
            if quick is not None and (record := _quick_record(quick, raw)) is not None:
                yield record
                continue
            locator = f"line {number}"
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                reason = (
                    f"cannot decode as {encoding} at byte {start + exc.start} of the file (byte {exc.start} of the "
                    f"line, {exc.reason}); set the importer option `encoding` if the file uses another codec"
                )
                yield reject(path, locator, reason, raw=raw.decode(encoding, errors="replace"))
                continue
            yield _parse_line(path, locator, text.removeprefix("\ufeff") if number == 1 else text)


def _quick_record(quick: Quick, raw: bytes) -> ImportedRecord | None:
    try:
        return quick(orjson.loads(raw))
    except Exception:  # broken JSON, a BOM, anything unusual: the exact path reads the line again and names it
        return None


def _iter_wide_ndjson(path: Path, encoding: str) -> Iterator[Unit | Rejected]:
    with open(path, encoding=encoding) as fh:
        for number, text in enumerate(fh, start=1):
            if text.strip():
                yield _parse_line(path, f"line {number}", text.removeprefix("\ufeff"))


def _parse_line(path: Path, locator: str, text: str) -> Unit | Rejected:
    try:
        return locator, json.loads(text)
    except json.JSONDecodeError:
        pass
    try:  # parsed again without the line break, for the message a person expects ("Unterminated string …")
        return locator, json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        return reject(path, locator, f"broken JSON at column {exc.colno}: {exc.msg}", raw=text)


def guarded(convert: Convert, path: Path, locator: str, raw: object) -> ImportedRecord:
    """`convert` of one record, with any failure turned into a Rejected naming file, locator and field."""
    try:
        return convert(path, locator, raw)
    except RecordError as exc:
        return reject(path, locator, exc, raw=raw)
    except Exception as exc:  # bad content of one record must never stop an import
        return reject(path, locator, f"unexpected {type(exc).__name__}: {exc}", raw=raw)


def payload_keys(payload: object) -> str:
    """A short description of a payload for a reason: its keys, or its JSON type."""
    if isinstance(payload, dict):
        keys = list(payload)[:10]
        return "keys: " + (", ".join(str(k) for k in keys) if keys else "none")
    if isinstance(payload, list):
        first = f"; the first has {payload_keys(payload[0])}" if payload and isinstance(payload[0], dict) else ""
        return f"a list of {len(payload)} item(s){first}"
    return f"a JSON {type(payload).__name__}"


@dataclass
class PendingParts:
    """Parts of tickets (comments, conversations) read from other payloads, waiting for their ticket."""

    noun: str
    parts: dict[str, list[Unit]] = field(default_factory=dict)
    origins: dict[str, Path] = field(default_factory=dict)
    joined: set[str] = field(default_factory=set)

    def add(self, ticket_id: str, label: str, part: object, path: Path) -> None:
        """Keep one part, labelled with where it came from, until its ticket is converted."""
        self.parts.setdefault(ticket_id, []).append((label, part))
        self.origins.setdefault(ticket_id, path)

    def take(self, ticket_id: str) -> list[Unit]:
        """The parts of a ticket (several copies of a ticket may each take them)."""
        if ticket_id not in self.parts:
            return []
        self.joined.add(ticket_id)
        return self.parts[ticket_id]

    def leftovers(self) -> Iterator[Rejected]:
        """One Rejected per ticket whose parts were read but whose ticket was not."""
        for ticket_id, parts in self.parts.items():
            if ticket_id not in self.joined:
                reason = (
                    f"{len(parts)} {self.noun}(s) of ticket {ticket_id}, but ticket {ticket_id} is not in the files "
                    f"read: import the ticket's file together with its {self.noun}s"
                )
                yield reject(self.origins[ticket_id], f"ticket {ticket_id}", reason, raw=[part for _, part in parts])


def unique_parts(labelled: Iterable[Unit]) -> Iterator[Unit]:
    """Parts in order, each `id` once (the same comment may come embedded and again from an audit)."""
    seen: set[str] = set()
    for label, part in labelled:
        part_id = safe_id(part.get("id")) if isinstance(part, dict) else None
        if part_id is not None:
            if part_id in seen:
                continue
            seen.add(part_id)
        yield label, part
