"""The project's own exceptions: library code raises these, the CLI and the service turn them into messages."""

from __future__ import annotations


class TunedeskError(Exception):
    """Base class; its message is written for the user and shown without a traceback."""


class ConfigError(TunedeskError):
    """A configuration file or override is invalid; `problems` lists every bad key at once."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


class WorkspaceError(TunedeskError):
    """The workspace folder is missing, incomplete or not a tunedesk workspace."""


class IngestError(TunedeskError):
    """A file cannot be ingested at all (unknown format, unreadable path)."""


class RecordError(TunedeskError):
    """One record cannot be read; it is quarantined with this reason and the run goes on."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(f"{reason}" + (f" (field '{field}')" if field else ""))


class StoreError(TunedeskError):
    """The store cannot be opened or migrated."""
