"""The runbook, backup and restore on the console: a short summary table and the path of every file written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from tunedesk.runbook.backup import BackupSummary
    from tunedesk.runbook.stage import RunbookSummary


def print_runbook(console: Console, summary: RunbookSummary) -> None:
    """What the runbook says is deployed, how many commands it gives, and where it is."""
    table = Table(title=f"runbook: {escape(str(summary.workspace))}", show_header=False)
    table.add_row("served", escape(summary.served))
    table.add_row("production", escape(summary.production or "none (nothing promoted yet)"))
    table.add_row("rollback target", escape(summary.previous or "none"))
    table.add_row("sections", str(summary.sections))
    table.add_row("commands", f"{len(summary.commands)} for this workspace")
    console.print(table)
    for name, path in summary.paths.items():
        console.print(f"  wrote {name}: [green]{escape(path)}[/]")


def print_backup(console: Console, summary: BackupSummary) -> None:
    """The backup or restore done: files, size, row counts, and where the replaced store went."""
    verb = "backed up" if summary.action == "backup" else "restored"
    source, target = (summary.store, summary.backup) if summary.action == "backup" else (summary.backup, summary.store)
    console.print(f"{verb} [bold]{escape(str(source))}[/] → [green]{escape(str(target))}[/] "
                  f"({summary.size / 1e6:.1f} MB, integrity check ok)")
    table = Table("table", "rows")
    for name, count in summary.counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    for path in summary.kept:
        console.print(f"  the replaced store is kept as {escape(str(path))}")
