"""The `tunedesk drift` command: should the model be retrained? (registered on the main app)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from tunedesk.cli import JsonOpt, WorkspaceOpt, app, reporter, show
from tunedesk.errors import TunedeskError


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


def parse_since(value: str | None) -> datetime | None:
    """--since as a datetime (a date means its midnight, UTC unless a zone is given)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise TunedeskError(f"--since {value!r}: expected an ISO date such as 2026-03-01 or "
                            "2026-03-01T12:00") from None
