"""The importer contract: one small class per helpdesk format, looked up by a short name.

An importer turns files into records. The accounting rule every importer keeps: **each input record it can
delimit yields exactly one outcome** — a `Ticket`, an `Article` or a `Rejected` — and a file it cannot read
at all yields one `Rejected` with locator `file`. `read` never raises for bad content; ingest counts
`in = tickets + articles + rejected`.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import ClassVar, TypeVar, overload

from pydantic import BaseModel, ConfigDict, ValidationError

from tunedesk.errors import ConfigError, RecordError
from tunedesk.records import ImportedRecord, Rejected

RAW_LIMIT = 2000
_T = TypeVar("_T")


class NoOptions(BaseModel):
    """An importer without options."""

    model_config = ConfigDict(extra="forbid")


class Importer(ABC):
    """Reads one helpdesk format. Subclasses set `name`, `suffixes`, optionally `Options`, and implement `read`."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]] = ()
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init__(self, options: Mapping[str, object] | None = None) -> None:
        try:
            self.options = self.Options.model_validate(options or {})
        except ValidationError as exc:
            problems = [
                f"options.{'.'.join(str(p) for p in err['loc'])}: {err['msg']} (got {err.get('input')!r})"
                for err in exc.errors()
            ]
            raise ConfigError(f"importer '{self.name}'", problems) from None

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """True when a file looks like this format; `head` is the first 64 KiB decoded leniently."""
        return False

    @abstractmethod
    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """Yield one outcome per record of one file (see the module docstring)."""

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """Read several files of this format; override to join records across files (users, conversations)."""
        for path in paths:
            yield from self.read_guarded(path)

    def read_guarded(self, path: Path) -> Iterator[ImportedRecord]:
        """`read`, with any unexpected failure of the file turned into one `Rejected` for the file."""
        try:
            yield from self.read(path)
        except (OSError, UnicodeDecodeError, ValueError, RecordError) as exc:
            yield reject(path, "file", exc)


def reject(
    path: Path | str, locator: str, error: Exception | str, raw: object = "", field: str | None = None
) -> Rejected:
    """Build the quarantine record for a bad record, naming file, locator and field."""
    if isinstance(error, RecordError):
        reason, field = error.reason, field or error.field
    elif isinstance(error, Exception):
        reason = f"{type(error).__name__}: {error}"
    else:
        reason = error
    if isinstance(raw, str):
        text = raw
    else:
        try:
            text = json.dumps(raw, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(raw)
    return Rejected(source_file=str(path), locator=locator, reason=reason, field=field, raw=text[:RAW_LIMIT])


def read_head(path: Path, size: int = 65536) -> str:
    """The first bytes of a file decoded leniently, for `sniff`."""
    with open(path, "rb") as fh:
        return fh.read(size).decode("utf-8", errors="replace")


@overload
def require(obj: object, key: str, kind: type[_T], where: str = "") -> _T: ...
@overload
def require(obj: object, key: str, kind: tuple[type, ...] = ..., where: str = "") -> object: ...
def require(obj: object, key: str, kind: type | tuple[type, ...] = object, where: str = "") -> object:
    """`obj[key]`, or a RecordError naming the missing or mistyped field."""
    field = f"{where}.{key}" if where else key
    if not isinstance(obj, dict):
        raise RecordError(f"expected an object, got {type(obj).__name__}", field=where or None)
    if key not in obj or obj[key] is None:
        raise RecordError("missing required field", field=field)
    value = obj[key]
    if kind is not object and not isinstance(value, kind):
        raise RecordError(f"expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}", field=field)
    return value
