"""The learning loop's commands: `tunedesk drift`, `tunedesk retrain` and `tunedesk feedback export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tunedesk.cli.app import JsonOpt, QuietOpt, WorkspaceOpt, app, overrides_only, parse_since, reporter, show


@app.command()
def drift(
    workspace: WorkspaceOpt = Path("."),
    run: Annotated[str, typer.Option("--run", help="The run to check: id, unique prefix, or `latest`.")] = "latest",
    since: Annotated[str | None, typer.Option("--since", help="Recent tickets are those created from this ISO date "
                                              "on (default: the last drift.window_days days).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare recent tickets with a run's training data: category mix, embeddings, far tickets, policies, edits.
    Exit code 0 whatever the verdict."""
    from tunedesk.learn.console import print_drift
    from tunedesk.learn.drift import check_drift
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    summary = check_drift(ws, run=run, since=parse_since(since), reporter=reporter(False, as_json))
    show(summary, as_json, print_drift)


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
    from tunedesk.learn.console import print_feedback
    from tunedesk.learn.feedback import export_feedback
    from tunedesk.workspace import Workspace

    summary = export_feedback(Workspace.open(workspace), since=parse_since(since))
    show(summary, as_json, print_feedback)


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
    from tunedesk.learn.console import print_retrain
    from tunedesk.learn.retrain import retrain as run_retrain
    from tunedesk.workspace import Workspace

    overrides = overrides_only(args)
    ws = Workspace.open(workspace, overrides)
    summary = run_retrain(ws, overrides=overrides, promote=not no_promote, if_needed=if_needed, rebuild=rebuild,
                          reporter=reporter(quiet, as_json))
    show(summary, as_json, print_retrain)
