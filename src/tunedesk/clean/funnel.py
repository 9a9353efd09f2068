"""The clean funnel: counts in, redacted, dropped by reason, kept — overall and per category — as JSON and Markdown."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunedesk.clean.quality import DROP_REASONS
from tunedesk.records import Rejected, Ticket

NO_CATEGORY = "(none)"


@dataclass
class CleanSummary:
    """Counts of one clean run. Invariant: in = kept + sum(dropped) + quarantined."""

    tickets_in: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    quarantined: int = 0
    escalations: Counter[str] = field(default_factory=Counter)
    redactions: Counter[str] = field(default_factory=Counter)
    tickets_redacted: int = 0
    stripped: Counter[str] = field(default_factory=Counter)
    by_category: dict[str, Counter[str]] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    review_rows: int = 0
    paths: dict[str, str] = field(default_factory=dict)

    def count(self, ticket: Ticket, reason: str | None, stripped: Counter[str], redactions: list[Any]) -> None:
        """Account for one cleaned ticket."""
        self.tickets_in += 1
        category = self.by_category.setdefault(ticket.category or NO_CATEGORY, Counter())
        category["in"] += 1
        if reason:
            self.dropped[reason] += 1
            category[reason] += 1
        else:
            self.kept += 1
            category["kept"] += 1
            if ticket.escalation:
                self.escalations[ticket.escalation] += 1
        self.stripped.update(stripped)
        if redactions:
            self.tickets_redacted += 1
            self.redactions.update(r.kind for r in redactions)

    def note_quarantined(self, ticket: Ticket) -> None:
        """Account for a ticket that could not be cleaned."""
        self.tickets_in += 1
        self.quarantined += 1
        self.by_category.setdefault(ticket.category or NO_CATEGORY, Counter())["in"] += 1

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape printed by `clean --json`."""
        return {
            "in": self.tickets_in, "kept": self.kept, "dropped": dict(self.dropped), "quarantined": self.quarantined,
            "escalations": dict(self.escalations), "tickets_redacted": self.tickets_redacted,
            "redactions": dict(self.redactions), "stripped": dict(self.stripped),
            "by_category": {k: dict(v) for k, v in sorted(self.by_category.items())}, "paths": self.paths,
        }

    def reasons(self) -> list[str]:
        """Drop reasons in funnel order, known ones first."""
        return [r for r in DROP_REASONS if r in self.dropped] + sorted(set(self.dropped) - set(DROP_REASONS))


def write_funnel(summary: CleanSummary, folder: Path) -> dict[str, str]:
    """Write reports/clean_funnel.json and .md; return their paths."""
    json_path, md_path = folder / "clean_funnel.json", folder / "clean_funnel.md"
    json_path.write_text(json.dumps(summary.as_dict(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    md_path.write_text(funnel_markdown(summary), encoding="utf-8")
    return {"funnel_json": str(json_path), "funnel_md": str(md_path)}


def funnel_markdown(summary: CleanSummary) -> str:
    """The funnel as a Markdown page a person can review."""
    lines = ["# Clean funnel", "", "| step | tickets |", "|---|---:|", f"| in | {summary.tickets_in} |",
             f"| with redactions | {summary.tickets_redacted} |"]
    lines += [f"| dropped: {r} | {summary.dropped[r]} |" for r in summary.reasons()]
    lines += [f"| quarantined | {summary.quarantined} |", f"| **kept** | **{summary.kept}** |", ""]
    if summary.escalations:
        lines += ["Kept as escalations: " + ", ".join(f"{k} {v}" for k, v in summary.escalations.most_common()), ""]
    if summary.redactions:
        lines += ["Redactions by kind: " + ", ".join(f"{k} {v}" for k, v in summary.redactions.most_common()), ""]
    lines += _category_table(summary)
    return "\n".join(lines) + "\n"


def _category_table(summary: CleanSummary) -> list[str]:
    reasons = summary.reasons()
    header = "| category | in | kept | " + " | ".join(reasons) + " |"
    lines = ["## Per category", "", header, "|---" * (3 + len(reasons)) + "|"]
    for category, counts in sorted(summary.by_category.items()):
        cells = " | ".join(str(counts.get(r, 0)) for r in reasons)
        lines.append(f"| {category} | {counts['in']} | {counts['kept']} | {cells} |")
    return lines
