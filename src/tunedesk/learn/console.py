"""The learning loop on the console: the drift signals and verdict, the feedback export, the retrain's outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from tunedesk.learn.drift_report import DriftSummary, Value
    from tunedesk.learn.feedback import FeedbackExport
    from tunedesk.learn.retrain import RetrainSummary


def format_value(name: str, value: Value) -> str:
    """A signal value or threshold as a person reads it: shares as percentages, distances with 3 decimals."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    return f"{value:.0%}" if name == "far_share" else f"{value:.3f}"


def verdict_line(summary: DriftSummary) -> str:
    """One sentence: the verdict and why."""
    if summary.verdict == "retrain":
        names = ", ".join(s.name for s in summary.signals if s.triggered)
        return f"verdict: [bold red]retrain[/] — {names}"
    if summary.verdict == "not_enough_data":
        return f"verdict: [bold yellow]not enough data[/] — {escape('; '.join(summary.reasons))}"
    return (f"verdict: [bold green]ok[/] — no signal crossed its threshold ({summary.recent_tickets:,} recent "
            f"tickets vs {summary.training_examples:,} training examples)")


def print_drift(console: Console, summary: DriftSummary) -> None:
    """The signals as a table (signal, value, threshold, triggered, detail), notes, the verdict and the report."""
    title = (f"drift: run {summary.run} — {summary.recent_tickets:,} recent tickets ({summary.window}) vs "
             f"{summary.training_examples:,} training examples")
    table = Table(title=title, title_justify="left")
    for column in ("signal", "value", "threshold", "triggered", "detail"):
        table.add_column(column, justify="right" if column in ("value", "threshold") else "left")
    for s in summary.signals:
        table.add_row(s.name, format_value(s.name, s.value), format_value(s.name, s.threshold),
                      "[bold red]yes[/]" if s.triggered else "no", escape(s.detail))
    console.print(table)
    for note in summary.notes:
        console.print(f"  note: {note}", markup=False, highlight=False)
    console.print(verdict_line(summary), highlight=False)
    for name, path in summary.paths.items():
        console.print(f"  {name:<10} {path}", highlight=False)


def print_feedback(console: Console, summary: FeedbackExport) -> None:
    """The feedback export as a table: examples by source, what was left out and why, the files."""
    d = summary.as_dict()
    table = Table(title=f"feedback export: {d['examples']} examples from {d['considered']} logged replies")
    table.add_column("")
    table.add_column("count", justify="right")
    for source, n in sorted(d["by_source"].items()):
        table.add_row(f"used: {source}", str(n))
    for reason, n in sorted(d["dropped"].items()):
        table.add_row(f"left out: {reason}", str(n))
    console.print(table)
    for name, path in d["paths"].items():
        console.print(f"  {name}: {path}", highlight=False)


def print_retrain(console: Console, summary: RetrainSummary) -> None:
    """The retrain's outcome: feedback added, new run vs the version it is compared with, the gate's criteria."""
    d = summary.as_dict()
    if not d["ran"]:
        console.print(f"retrain {d['reason']}: drift verdict {(d['drift'] or {}).get('verdict')}", highlight=False)
        return
    added = ", ".join(f"{n} {s}" for s, n in sorted(d["added_from_feedback"].items())) or "none"
    console.print(f"feedback examples added: {added}; new run {d['run']}", highlight=False)
    table = Table(title=f"{d['run']} vs {d['compared_with'] or '(nothing earlier)'}")
    for column in ("metric", "new", "previous"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for key in ("score_3", "score_1", "escalation_recall"):
        table.add_row(key, _cell(d["scores"]["new"].get(key)), _cell(d["scores"].get("previous", {}).get(key)))
    console.print(table)
    gate = d["gate"] or {}
    verdict = "promoted" if d["promoted"] else ("passed (not promoted)" if gate.get("passed") else "refused")
    console.print(f"gate: {verdict}", highlight=False)
    for c in gate.get("criteria", []):
        if not c["passed"]:
            console.print(f"  failing {c['name']}: {c['value']} (needs {c['threshold']}) {c['detail']}",
                          highlight=False)
    console.print(f"  report: {d['paths'].get('report')}", highlight=False)


def _cell(value: object) -> str:
    return "—" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
