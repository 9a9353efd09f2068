"""The clean summary on the console: the funnel, the categories, what was stripped, and the paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from tunedesk.progress import print_paths

if TYPE_CHECKING:
    from tunedesk.clean.funnel import CleanSummary


def print_clean(console: Console, summary: CleanSummary) -> None:
    """The clean funnel, the per-category table, and the paths written."""
    funnel = Table(title="clean funnel", title_justify="left")
    funnel.add_column("step")
    funnel.add_column("tickets", justify="right")
    funnel.add_row("in", f"{summary.tickets_in:,}")
    funnel.add_row("with PII redacted", f"{summary.tickets_redacted:,}")
    for reason in summary.reasons():
        funnel.add_row(f"dropped: {reason}", f"{summary.dropped[reason]:,}")
    funnel.add_row("quarantined", f"{summary.quarantined:,}")
    funnel.add_row("[bold]kept[/]", f"[bold]{summary.kept:,}[/]")
    console.print(funnel)
    console.print(_category_table(summary))
    if summary.escalations:
        console.print("kept as escalations: " + ", ".join(f"{k} {v}" for k, v in summary.escalations.most_common()))
    if summary.redactions:
        console.print("redactions: " + ", ".join(f"{k} {v:,}" for k, v in summary.redactions.most_common()))
    if summary.stripped:
        console.print("stripped: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in summary.stripped.items()))
    print_paths(console, summary.paths)


SHORT = {"no_agent_reply": "no reply", "low_csat": "csat", "multi_turn": "multi", "reply_too_long": "long",
         "non_answer": "non-ans", "duplicate": "dup", "near_duplicate": "near-dup"}


def _category_table(summary: CleanSummary) -> Table:
    reasons = summary.reasons()
    table = Table(title="per category (dropped by reason)", title_justify="left")
    table.add_column("category", no_wrap=True)
    for col in ["in", "kept", *reasons]:
        table.add_column(SHORT.get(col, col.replace("_", " ")), justify="right")
    for category, counts in sorted(summary.by_category.items()):
        table.add_row(category, *(str(counts.get(c, 0)) for c in ["in", "kept", *reasons]))
    return table
