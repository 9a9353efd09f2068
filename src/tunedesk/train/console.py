"""Training summaries as console tables: the run, its losses and speed, the runs of a workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from tunedesk.store.runs import Run
    from tunedesk.train.stage import TrainSummary


def print_train(console: Console, summary: TrainSummary) -> None:
    """One run: base, method, data, losses before and after, speed, and the paths written."""
    record = summary.run.record
    final = record.get("final", {})
    table = Table(title=f"train: run {summary.run.id}" + (" (resumed)" if summary.resumed else ""),
                  title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value")
    data = summary.data.get("train", {})
    rows = [
        ("base", f"{record['base']['name']} ({record['method']}, {record.get('dtype')})"),
        ("data", f"{data.get('rows', 0):,} examples, {data.get('tokens', 0):,} tokens "
                 f"({data.get('trained_tokens', 0):,} in replies); {data.get('skipped', 0)} set aside"),
        ("steps", f"{record.get('steps')} of {record.get('planned_steps')}"),
        ("validation loss", _arrow(final.get("val_loss_start"), final.get("val_loss_best"), "best")),
        ("training loss", _arrow(final.get("train_loss_first"), final.get("train_loss_last"), "last")),
        ("speed", f"{final.get('tokens_per_s') or 0:,.0f} tokens/s over {final.get('seconds', 0):,.0f} s; "
                  f"padding {100 * (final.get('padding_share') or 0):.1f} %"),
    ]
    for what, value in rows:
        table.add_row(what, value)
    console.print(table)
    for name, path in summary.paths.items():
        console.print(f"  {name:<14} {path}", highlight=False)


def _arrow(start: float | None, end: float | None, label: str) -> str:
    if end is None:
        return "-"
    if start is None:
        return f"{end:.3f} ({label})"
    return f"{start:.3f} → {end:.3f} ({label})"


def print_runs(console: Console, runs: list[Run]) -> None:
    """Every run of the workspace, newest last."""
    table = Table(title="runs", title_justify="left")
    for col in ("run", "status", "base", "method", "data", "steps", "val loss", "tokens/s"):
        table.add_column(col, justify="right" if col in ("steps", "val loss", "tokens/s") else "left")
    for run in runs:
        r = run.record
        final = r.get("final", {})
        best = final.get("val_loss_best")
        status = r.get("status", "?") + (" (calibration)" if r.get("calibration") else "")
        table.add_row(run.id, status, r.get("base", {}).get("name", "?"), r.get("method", "?"),
                      r.get("data", {}).get("train", {}).get("sha256", "?")[:12], str(r.get("steps") or "-"),
                      f"{best:.3f}" if best is not None else "-",
                      f"{final['tokens_per_s']:,.0f}" if final.get("tokens_per_s") else "-")
    console.print(table)


def print_eval_step(console: Console, row: dict[str, Any]) -> None:
    """One validation-loss measurement during training, as it happens."""
    console.print(f"  step {row['step']:>5}  validation loss {row['eval_loss']:.4f}  ({row.get('elapsed_s', 0):.0f} s)",
                  highlight=False)
