"""The learning loop's commands: `tunedesk feedback export` and `tunedesk retrain` (registered on the main app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tunedesk.cli import JsonOpt, QuietOpt, WorkspaceOpt, app, overrides_only, parse_since, reporter, show

feedback_app = typer.Typer(help="Agents' reviews of served replies as training data.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    workspace: WorkspaceOpt = Path("."),
    since: Annotated[str | None, typer.Option("--since", help="Only replies with feedback from this ISO date on.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Approved, edited and thumbs-up replies → data/feedback.jsonl (duplicates and held-out tickets left out)."""
    from tunedesk.learn.feedback import export_feedback
    from tunedesk.workspace import Workspace

    summary = export_feedback(Workspace.open(workspace), since=parse_since(since))
    show(summary, as_json, "tunedesk.cli_learn:print_feedback")


@app.command()
def retrain(
    args: Annotated[list[str] | None, typer.Argument(help="key=value overrides for training, e.g. "
                                                           "train.max_steps=200.")] = None,
    workspace: WorkspaceOpt = Path("."),
    if_needed: Annotated[bool, typer.Option("--if-needed", help="Only when `tunedesk drift` says retrain.")] = False,
    no_promote: Annotated[bool, typer.Option("--no-promote", help="Check the gate but never promote.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild/--no-rebuild", help="Run the build stage first (default), "
                                          "or reuse the data/ files as they are.")] = True,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Build, add the agents' feedback, train, evaluate on the held-out set and ask the gate. Exit 0 when it ran,
    promoted or refused."""
    from tunedesk.learn.retrain import retrain as run_retrain
    from tunedesk.workspace import Workspace

    overrides = overrides_only(args)
    ws = Workspace.open(workspace, overrides)
    summary = run_retrain(ws, overrides=overrides, promote=not no_promote, if_needed=if_needed, rebuild=rebuild,
                          reporter=reporter(quiet, as_json))
    show(summary, as_json, "tunedesk.cli_learn:print_retrain")


def print_feedback(console: Console, summary: Any) -> None:
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


def print_retrain(console: Console, summary: Any) -> None:
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


def _cell(value: Any) -> str:
    return "—" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
