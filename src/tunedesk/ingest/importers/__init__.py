"""The importer registry: short names (`zendesk`, `csv`, …) to importer classes.

Built-ins register exactly as a third party would, with `@register("name")` on the class; they are imported on
first lookup, and third-party packages expose modules under the entry-point group `tunedesk.importers`.
"""

from __future__ import annotations

from pathlib import Path

from tunedesk.ingest.importers.base import Importer, read_head
from tunedesk.plugins import Builtins, Registry

BUILTIN_MODULES = ("zendesk", "freshdesk", "intercom", "csvfile", "chatjsonl", "email", "kb", "salesforce",
                   "transcripts", "confluence", "notion", "sharepoint", "docs")

IMPORTERS: Registry[type[Importer]] = Registry("format", "format", Builtins(
    "tunedesk.ingest.importers", BUILTIN_MODULES, group="tunedesk.importers"))
register = IMPORTERS.register


def names() -> list[str]:
    """Every registered importer name."""
    return sorted(IMPORTERS.names())


def get_importer(name: str) -> type[Importer]:
    """The importer class for a short name, or a ConfigError listing the known names."""
    return IMPORTERS.get(name)


def detect_format(path: Path) -> str | None:
    """The name of the first importer whose `sniff` recognises the file, or None."""
    head = read_head(path)
    for name in _sniff_order():
        if IMPORTERS.get(name).sniff(path, head):
            return name
    return None


def _sniff_order() -> list[str]:
    # Specific formats first: a Zendesk JSON file is also JSON, a chat JSONL file is also JSONL.
    known = IMPORTERS.names()
    first = [n for n in ("zendesk", "freshdesk", "intercom", "salesforce", "transcripts", "email",
                         "confluence", "notion", "sharepoint", "docs", "jsonl", "csv", "kb") if n in known]
    return first + [n for n in sorted(known) if n not in first]
