"""Console tables for the model registry and the promotion gate."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _pct(value: Any) -> str:
    return "–" if value is None else f"{value:.1%}"


def print_models(console: Console, versions: list[Any]) -> None:
    """Every registered version: status, kind, method and held-out scores."""
    if not versions:
        console.print("no model versions yet: `tunedesk eval --model RUN` registers a run as a candidate")
        return
    table = Table(title="model versions", title_justify="left")
    for name in ("version", "status", "kind", "method", "held-out n", "score 3", "score 1", "escalation recall"):
        table.add_column(name, justify="right" if name in ("held-out n", "score 3", "score 1",
                                                           "escalation recall") else "left")
    for v in versions:
        s = v.eval_summary
        style = "bold green" if v.status == "production" else ("dim" if v.status == "archived" else "")
        table.add_row(v.id, v.status, v.kind, v.method or "–", str(s.get("n", "–")), _pct(s.get("score_3")),
                      _pct(s.get("score_1")), _pct(s.get("escalation_recall")), style=style)
    console.print(table)


def print_gate(console: Console, result: Any) -> None:
    """Each gate criterion with its value and threshold, then the decision."""
    table = Table(title=f"gate for {result.version}", title_justify="left")
    for name in ("criterion", "value", "required", "", "detail"):
        table.add_column(name)
    for c in result.criteria:
        value = c.value if isinstance(c.value, int) or c.value is None else _pct(c.value)
        required = c.threshold if isinstance(c.threshold, int) or c.threshold is None else _pct(c.threshold)
        table.add_row(c.name, str(value if value is not None else "–"), str(required if required is not None else
                      "–"), "[green]pass[/]" if c.passed else "[red]FAIL[/]", c.detail)
    console.print(table)
    if result.promoted:
        extra = f"; {result.archived} archived" if result.archived else ""
        console.print(f"[bold green]promoted[/]: {result.version} is the production model{extra}")
    else:
        failing = ", ".join(c.name for c in result.failing())
        console.print(f"[bold red]refused[/]: {result.version} stays a candidate — failing: {failing}")
