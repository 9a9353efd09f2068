"""The `tunedesk drift` command: should the model be retrained? (registered on the main app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tunedesk.cli import JsonOpt, WorkspaceOpt, app, parse_since, reporter, show


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
    from tunedesk.eval.drift import check_drift
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    summary = check_drift(ws, run=run, since=parse_since(since), reporter=reporter(False, as_json))
    show(summary, as_json, "tunedesk.eval.drift:print_drift")


