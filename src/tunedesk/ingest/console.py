"""The ingest summary on the console: records per format, what was new, quarantined, and the paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from tunedesk.progress import print_paths

if TYPE_CHECKING:
    from tunedesk.ingest.stage import IngestSummary


def print_ingest(console: Console, summary: IngestSummary) -> None:
    """The ingest counts per format, the totals, and the paths written."""
    table = Table(title="ingest", title_justify="left")
    for col in ("format", "records in", "tickets", "articles", "quarantined"):
        table.add_column(col, justify="left" if col == "format" else "right")
    for fmt, c in summary.by_format.items():
        if not c["in"]:
            continue
        table.add_row(fmt, f"{c['in']:,}", f"{c['tickets']:,}", f"{c['articles']:,}", f"{c['quarantined']:,}")
    console.print(table)
    for path, applied in summary.applied.items():
        console.print(f"{path}: read with {applied}", markup=False, highlight=False, soft_wrap=True)
    t, a = summary.tickets, summary.articles
    console.print(f"tickets: {t.new:,} new, {t.updated:,} updated, {t.unchanged:,} unchanged · "
                  f"articles: {a.new:,} new, {a.updated:,} updated, {a.unchanged:,} unchanged")
    if summary.quarantined:
        reasons = ", ".join(f"{k} ×{v}" for k, v in summary.reasons.most_common(5))
        console.print(f"[yellow]{summary.quarantined:,} record(s) quarantined[/] ({reasons})")
    print_paths(console, summary.paths)
