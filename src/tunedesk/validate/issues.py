"""What validate finds: issues with stable codes, collected per code, and the report `run` returns."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning"]

ISSUE_CAP = 1000
"""Issues kept per code; the count goes on past it."""

SEVERITY: dict[str, Severity] = {
    # The file and its rows.
    "unreadable_file": "error",
    "invalid_json": "error",
    "not_an_object": "error",
    "missing_messages": "error",
    "message_missing_key": "error",
    "message_unrecognized_key": "error",
    "unrecognized_role": "error",
    "missing_content": "error",
    "no_assistant_message": "error",
    # The conversation as the chat template renders it.
    "roles_not_alternating": "error",
    "last_turn_not_assistant": "error",
    "no_chat_template": "error",
    "template_error": "error",
    "no_eos_after_assistant": "error",
    "special_token_in_content": "error",
    "reply_cut_off": "error",
    "no_trained_tokens": "error",
    "stale_system_prompt": "error",
    "bad_escalation_marker": "error",
    # Advice: training still works.
    "too_long": "warning",
    "template_changes_content": "warning",
    "few_examples": "warning",
    "duplicate": "warning",
    "shared_prefix": "warning",
    "prompt_separator": "warning",
    "completion_leading_space": "warning",
    "completion_stop": "warning",
    "shouting": "warning",
    "surrounding_whitespace": "warning",
    "missing_system_prompt": "warning",
    "marker_in_non_escalation": "warning",
    "metadata_missing": "warning",
}


@dataclass
class Issue:
    """One problem found: a stable code, its severity, a message for a person, and where (1-based file line)."""

    code: str
    severity: Severity
    message: str
    line: int | None = None
    field: str | None = None


def issue(code: str, message: str, line: int | None = None, field: str | None = None) -> Issue:
    """An issue with the severity its code always has."""
    return Issue(code, SEVERITY[code], message, line, field)


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
