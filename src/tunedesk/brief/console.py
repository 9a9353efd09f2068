"""The brief's summary on the console: the pick, the method, the time per phase, the risks, the paths written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from tunedesk.brief.sections import duration
from tunedesk.progress import print_paths

if TYPE_CHECKING:
    from tunedesk.brief.stage import BriefSummary


def print_brief(console: Console, summary: BriefSummary) -> None:
    """A summary table of the brief's decisions, the missing sections, and the files written."""
    f = summary.facts
    table = Table(title=f"brief: {f['name']}", title_justify="left")
    table.add_column("item")
    table.add_column("value")
    d = f["deployment"]
    gpus = f" × {d['gpus']} GPU" if d["gpus"] > 1 else ""
    table.add_row("target", f"{d['target']}{gpus}, {d['latency_p95_s']:g} s for a {d['reply_tokens']}-token reply")
    fitting = [r["name"] for r in f["selection"]["rows"] if r["fits"]]
    table.add_row("fitting models", ", ".join(fitting) or "none")
    table.add_row("recommended base", f["selection"]["pick"]["model"])
    table.add_row("method", f["method"]["method"])
    for phase in f["estimates"]["phases"]:
        table.add_row(phase["phase"], duration(phase["hours"]))
    for risk in f["risks"]:
        if risk["level"] != "low":
            table.add_row(f"risk: {risk['risk']}", f"{risk['level']} ({risk['figure']})")
    console.print(table)
    for missing in f["missing"]:
        console.print(f"[yellow]missing:[/] {missing['section']}: run `{missing['command']}`", highlight=False)
    print_paths(console, summary.paths)
