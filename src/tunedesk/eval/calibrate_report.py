"""What calibration runs show a person: reports/calibration.json, calibration.md, calibration.png (the points, the
fitted curve, the forecast with its interval, the gate bar and the nearest past reply), and the console table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from tunedesk.eval.calibrate_records import CalibrationSummary


def write_reports(folder: Path, summary: CalibrationSummary) -> dict[str, str]:
    """The three calibration files in `folder`; returns their paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "calibration.json", "markdown": folder / "calibration.md",
             "plot": folder / "calibration.png"}
    shown = {name: str(path) for name, path in paths.items()}
    summary.paths = shown
    paths["json"].write_text(json.dumps(summary.as_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    paths["markdown"].write_text(markdown(summary), encoding="utf-8")
    plot(summary, paths["plot"])
    return shown


def markdown(summary: CalibrationSummary) -> str:
    """The calibration report as Markdown."""
    f, v, full = summary.forecast, summary.verdict, summary.full
    low, high = f["score_3_ci"]
    lines = [f"# Calibration {summary.id}", "",
             f"Full run planned: {full.steps:,} optimizer steps, {full.tokens:,} training tokens on "
             f"{full.examples:,} examples. Each calibration run is scored on {summary.validation['items']} "
             "validation tickets (never the held-out set), answered as `tunedesk eval` answers.", "",
             "| share | run | examples | steps | tokens | val loss | score 3 | score 1 | seconds (validation loss) |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for p in summary.points:
        loss = f"{p.val_loss:.3f}" if p.val_loss is not None else "-"
        lines.append(f"| {p.share:g} | {p.run} | {p.examples:,} | {p.steps:,} | {p.tokens:,} | {loss} | "
                     f"{p.score_3:.1%} | {p.score_1:.1%} | {p.seconds:,.0f} ({p.eval_seconds:,.0f}) |")
    loss = f["val_loss"]
    lines += ["", "## Forecast for the full run", "",
              f"- score 3: **{f['score_3']:.1%}** (95 % interval {low:.1%} to {high:.1%}, {f['interval_covers']})",
              f"- score 1: {f['score_1']:.1%}",
              f"- validation loss: {loss['at_full']:.3f} (power law, exponent {loss['exponent']:.3f})" if loss
              else "- validation loss: not fitted",
              f"- time: {_duration(f['seconds'])}: training at the calibration runs' measured speed"
              + (f" ({_duration(f['train_seconds'])}) and {full.val_passes} validation-loss passes "
                 f"({_duration(f['val_seconds'])})" if f.get("train_seconds") is not None else ""),
              "", "## Verdict", "",
              f"- gate bar (gate.min_score_3): {v['bar']:.0%}: {'cleared' if v['clears_bar'] else 'not cleared'}",
              f"- nearest past reply (retrieval) on the same validation items: {v['retrieval_score_3']:.1%}: "
              f"{'beaten' if v['beats_retrieval'] else 'not beaten'}",
              f"- **{v['recommendation']}**", "", f"Rule: {v['rule']}.", "",
              "![calibration](calibration.png)", ""]
    return "\n".join(lines)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def plot(summary: CalibrationSummary, path: Path) -> Path:
    """Score 3 and validation loss against training tokens (log scale): points, fits, forecast, bar, baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f, v = summary.forecast, summary.verdict
    tokens = [p.tokens for p in summary.points]
    span = [min(tokens), max(f["tokens"], max(tokens))]
    grid = [math.exp(math.log(span[0]) + i * (math.log(span[1]) - math.log(span[0])) / 40) for i in range(41)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), dpi=110)
    line = f["score_3_line"]
    left.plot(grid, [line["intercept"] + line["slope_per_ln_token"] * math.log(t) for t in grid], color="#4c78a8",
              label="fit: score 3 vs ln tokens")
    left.scatter(tokens, [p.score_3 for p in summary.points], color="#4c78a8", zorder=3, label="calibration runs")
    low, high = f["score_3_ci"]
    left.errorbar([f["tokens"]], [f["score_3"]], yerr=[[f["score_3"] - low], [high - f["score_3"]]], fmt="D",
                  color="#e45756", capsize=4, label="forecast, full run (95 %)")
    left.axhline(v["bar"], color="#54a24b", linestyle="--", label=f"gate bar {v['bar']:.0%}")
    left.axhline(v["retrieval_score_3"], color="#9d755d", linestyle=":", label="retrieval (val)")
    left.set(xscale="log", xlabel="training tokens", ylabel="score 3 share (validation)", ylim=(-0.02, 1.04))
    left.legend(fontsize=7)
    _loss_panel(right, summary, grid)
    fig.suptitle(f"calibration {summary.id}: forecast {f['score_3']:.1%} score 3")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _loss_panel(ax: Axes, summary: CalibrationSummary, grid: list[float]) -> None:
    points = [(p.tokens, p.val_loss) for p in summary.points if p.val_loss is not None]
    law = summary.forecast["val_loss"]
    if points:
        ax.scatter(*zip(*points, strict=True), color="#e45756", zorder=3, label="validation loss")
    if law:
        ax.plot(grid, [law["scale"] * t ** law["exponent"] for t in grid], color="#e45756",
                label="power-law fit")
    ax.set(xscale="log", xlabel="training tokens", ylabel="validation loss")
    ax.legend(fontsize=7)


def print_calibration(console: Console, summary: CalibrationSummary) -> None:
    """The calibration runs, the forecast and the verdict as a table, then the files written."""
    table = Table(title=f"calibration {summary.id}", title_justify="left")
    for col in ("share", "run", "steps", "tokens", "val loss", "score 3", "score 1"):
        table.add_column(col, justify="left" if col == "run" else "right")
    for p in summary.points:
        table.add_row(f"{p.share:g}", p.run, f"{p.steps:,}", f"{p.tokens:,}",
                      f"{p.val_loss:.3f}" if p.val_loss is not None else "-", f"{p.score_3:.1%}", f"{p.score_1:.1%}")
    f, v = summary.forecast, summary.verdict
    table.add_row("full", "(forecast)", f"{summary.full.steps:,}", f"{f['tokens']:,}",
                  f"{f['val_loss']['at_full']:.3f}" if f["val_loss"] else "-",
                  f"{f['score_3']:.1%} [{f['score_3_ci'][0]:.0%}–{f['score_3_ci'][1]:.0%}]", f"{f['score_1']:.1%}")
    console.print(table)
    console.print(f"gate bar {v['bar']:.0%} {'cleared' if v['clears_bar'] else 'not cleared'}; retrieval on the same "
                  f"validation items {v['retrieval_score_3']:.1%} {'beaten' if v['beats_retrieval'] else 'not beaten'};"
                  f" full run about {_duration(f['seconds'])}", highlight=False)
    console.print(f"[bold]{v['recommendation']}[/]")
    for name, path in summary.paths.items():
        console.print(f"  {name:<9} {path}", highlight=False)
