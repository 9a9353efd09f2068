"""What validate finds: issues (`tunedesk.trainfile.issues`) collected per code, and the report `run` returns."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tunedesk.trainfile.issues import SEVERITY, Issue, Severity, issue

__all__ = ["ISSUE_CAP", "SEVERITY", "Issue", "IssueLog", "Severity", "ValidationReport", "issue"]

ISSUE_CAP = 1000
"""Issues kept per code; the count goes on past it."""


class IssueLog:
    """Collects issues, keeping the first ISSUE_CAP of each code and counting every one."""

    def __init__(self) -> None:
        self.kept: list[Issue] = []
        self.counts: Counter[str] = Counter()

    def add(self, found: Issue) -> None:
        """Record one issue."""
        self.counts[found.code] += 1
        if self.counts[found.code] <= ISSUE_CAP:
            self.kept.append(found)

    def extend(self, found: list[Issue]) -> None:
        """Record several issues."""
        for one in found:
            self.add(one)

    def of(self, severity: Severity) -> list[Issue]:
        """Kept issues of a severity, in file order (file-level issues last)."""
        chosen = [i for i in self.kept if i.severity == severity]
        return sorted(chosen, key=lambda i: (i.line is None, i.line or 0))


@dataclass
class ValidationReport:
    """Everything `tunedesk validate` found in one training file."""

    path: Path
    format: str | None
    rows: int
    errors: list[Issue]
    warnings: list[Issue]
    stats: dict[str, Any]
    fixed_path: Path | None = None
    fixes: dict[str, int] = field(default_factory=dict)
    """Rows changed by --fix, per issue code."""
    counts: dict[str, int] = field(default_factory=dict)
    """Issues per code, including those past the cap of ISSUE_CAP kept ones."""
    dropped: dict[str, int] = field(default_factory=dict)
    """Rows --fix could not repair and left out, per issue code."""
    written: int = 0
    """Rows written to the fixed copy."""

    @property
    def ok(self) -> bool:
        """True when nothing stands in the way of training."""
        return not self.errors

    @property
    def exit_code(self) -> int:
        """The command's exit status: 1 when there are errors."""
        return 0 if self.ok else 1

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON data, every kept issue included."""
        capped = {code: n for code, n in self.counts.items() if n > ISSUE_CAP}
        fixed = None
        if self.fixed_path is not None:
            fixed = {"path": str(self.fixed_path), "fixes": dict(self.fixes), "dropped": dict(self.dropped),
                     "rows_written": self.written}
        return {
            "path": str(self.path), "format": self.format, "rows": self.rows, "ok": self.ok,
            "errors": [asdict(i) for i in self.errors], "warnings": [asdict(i) for i in self.warnings],
            "counts": dict(self.counts), "capped": capped, "stats": self.stats, "fixed": fixed,
        }
