"""Engagement commands of the `tunedesk` CLI: brief (the training brief written before any compute is spent)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tunedesk.cli.app import JsonOpt, WorkspaceOpt, app, overrides_only, show


@app.command()
def brief(
    args: Annotated[list[str] | None, typer.Argument(help="key=value overrides, e.g. deployment.target=gpu-24gb "
                                                           "deployment.latency_p95_s=5.")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Write reports/brief.md, .html and .json: inventory, target, base-model selection, method, gate, cost, plan."""
    from tunedesk.brief.console import print_brief
    from tunedesk.brief.stage import run
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace, overrides_only(args))
    show(run(ws), as_json, print_brief)
