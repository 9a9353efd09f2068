"""The importer registry: short names (`zendesk`, `csv`, …) to importer classes.

Built-ins register exactly as a third party would: a module calls `register` on its class. Third-party
packages expose modules under the entry-point group `tunedesk.ingest.importers`; they are imported on first lookup.
"""

from __future__ import annotations

from pathlib import Path

from tunedesk.errors import IngestError
from tunedesk.ingest.importers.base import Importer, read_head
from tunedesk.plugins import Builtins

BUILTIN_MODULES = ("zendesk", "freshdesk", "intercom", "csvfile", "chatjsonl", "email", "kb")

_REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator: make an importer available under its `name`."""
    _REGISTRY[cls.name] = cls
    return cls


_BUILTINS = Builtins("tunedesk.ingest.importers", BUILTIN_MODULES, group="tunedesk.ingest.importers")


def _load() -> None:
    _BUILTINS.load()


def names() -> list[str]:
    """Every registered importer name."""
    _load()
    return sorted(_REGISTRY)


def get_importer(name: str) -> type[Importer]:
    """The importer class for a short name, or an error listing the known names."""
    _load()
    if name not in _REGISTRY:
        raise IngestError(f"unknown format '{name}'; known formats: {', '.join(names())}")
    return _REGISTRY[name]


def detect_format(path: Path) -> str | None:
    """The name of the first importer whose `sniff` recognises the file, or None."""
    _load()
    head = read_head(path)
    for name in _sniff_order():
        if _REGISTRY[name].sniff(path, head):
            return name
    return None


def _sniff_order() -> list[str]:
    # Specific formats first: a Zendesk JSON file is also JSON, a chat JSONL file is also JSONL.
    first = [n for n in ("zendesk", "freshdesk", "intercom", "email", "jsonl", "csv", "kb") if n in _REGISTRY]
    return first + [n for n in sorted(_REGISTRY) if n not in first]
