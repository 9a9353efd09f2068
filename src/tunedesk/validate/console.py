"""The validate report on the console: issues grouped by code, the statistics, the estimate, the fixed copy."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tunedesk.validate.issues import SEVERITY, Issue, ValidationReport

_SHOWN_LINES = 5


def print_report(console: Console, report: ValidationReport) -> None:
    """Print the whole report: header, grouped issues, statistics, fixes and the verdict."""
    stats = report.stats
    examples = stats.get("examples")
    shown_examples = f" ({examples:,} usable examples)" if examples is not None else ""
    console.print(f"[bold]validate[/] {escape(str(report.path))} · format {report.format or '?'} · "
                  f"{report.rows:,} rows{shown_examples}", highlight=False)
    if report.errors or report.warnings:
        console.print(issue_table(report))
    if stats.get("tokens_per_example") or stats.get("by_kind"):
        console.print(stats_table(stats))
    estimate = stats.get("time_estimate")
    if estimate:
        console.print(estimate_line(estimate), highlight=False)
    if report.fixed_path is not None:
        _print_fixes(console, report)
    _print_verdict(console, report)


def issue_table(report: ValidationReport) -> Table:
    """One line per issue code: severity, how many, the first lines, the first message."""
    table = Table(title="issues", title_justify="left")
    for column in ("", "code", "count", "lines", "first"):
        table.add_column(column, justify="right" if column == "count" else "left", overflow="fold")
    for severity, issues in (("error", report.errors), ("warning", report.warnings)):
        for code, group in _grouped(issues).items():
            mark = "[red]error[/]" if severity == "error" else "[yellow]warning[/]"
            lines = [str(i.line) for i in group if i.line is not None]
            shown = ", ".join(lines[:_SHOWN_LINES]) + (", …" if len(lines) > _SHOWN_LINES else "")
            table.add_row(mark, code, f"{report.counts.get(code, len(group)):,}", shown or "file",
                          escape(group[0].message))
    return table


def stats_table(stats: dict[str, Any]) -> Table:
    """Breakdowns and token statistics."""
    table = Table(title="statistics", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    for key in ("kind", "category", "split"):
        counts = stats.get(f"by_{key}")
        if counts:
            table.add_row(f"by {key}", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    for label, key in (("messages per example", "messages_per_example"), ("tokens per example", "tokens_per_example"),
                       ("tokens per reply", "tokens_per_assistant_turn")):
        if stats.get(key):
            table.add_row(label, _distribution(stats[key]))
    missing = [f"{stats[key]:,} without a {role} message" for key, role in
               (("missing_system", "system"), ("missing_user", "user")) if stats.get(key)]
    if missing:
        table.add_row("examples", ", ".join(missing))
    if "max_length" in stats:
        table.add_row(f"over max_length {stats['max_length']:,}", f"{stats['over_max_length']:,}")
        table.add_row("trained (assistant) tokens", f"{stats['trained_tokens']:,}")
        table.add_row("suggested epochs", f"{stats['epochs']} → {stats['training_tokens']:,} training tokens "
                      f"({stats['tokens_per_epoch']:,} per epoch)")
    if stats.get("policy_versions"):
        table.add_row("policies versions", ", ".join(f"{k} ×{v:,}" for k, v in stats["policy_versions"].items()))
    return table


def estimate_line(estimate: dict[str, Any]) -> str:
    """The training-time estimate as one labelled line with its basis."""
    if not estimate.get("available"):
        return f"training time ({estimate['label']}): not available — {estimate['basis']}"
    return (f"training time ({estimate['label']}): ~{duration(estimate['seconds'])} with LoRA, "
            f"~{duration(estimate['full_seconds'])} full fine-tuning, on {estimate['device']} — "
            f"basis: {estimate['basis']}")


def duration(seconds: float) -> str:
    """Seconds as a short human duration: 45 s, 12 min, 3 h 20 min, 2.5 days."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes} min"
    return f"{seconds / 86400:.1f} days"


def _distribution(d: dict[str, float]) -> str:
    return (f"min {d['min']:,.0f} · mean {d['mean']:,.1f} · median {d['median']:,.0f} · p95 {d['p95']:,.0f} · "
            f"max {d['max']:,.0f}")


def _grouped(issues: list[Issue]) -> dict[str, list[Issue]]:
    groups: dict[str, list[Issue]] = {}
    for one in issues:
        groups.setdefault(one.code, []).append(one)
    return groups


def _print_fixes(console: Console, report: ValidationReport) -> None:
    fixed = ", ".join(f"{k} {v:,}" for k, v in sorted(report.fixes.items())) or "nothing to change"
    dropped = ", ".join(f"{k} {v:,}" for k, v in sorted(report.dropped.items())) or "none"
    console.print(f"fixed copy: {report.written:,} rows written (OpenAI chat format) to "
                  f"{escape(str(report.fixed_path))}", highlight=False)
    console.print(f"  rows fixed: {fixed}", highlight=False)
    console.print(f"  rows left out: {dropped}", highlight=False)


def _print_verdict(console: Console, report: ValidationReport) -> None:
    errors = sum(n for code, n in report.counts.items() if SEVERITY.get(code) == "error")
    warnings = sum(n for code, n in report.counts.items() if SEVERITY.get(code) == "warning")
    if report.ok:
        console.print(f"[green]no errors[/] · {warnings:,} warning(s): ready to train")
    else:
        console.print(f"[red]{errors:,} error(s)[/] · {warnings:,} warning(s): fix them before training "
                      "(--fix writes a corrected copy)")
