"""The operations commands: `tunedesk runbook` (reports/runbook.md from the workspace's own config and registry),
`tunedesk backup` and `tunedesk restore` (the store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tunedesk.cli.app import JsonOpt, WorkspaceOpt, app, show


@app.command()
def runbook(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False) -> None:
    """Write reports/runbook.md (and .html): what is deployed, retrain, evaluate, promote, roll back, rollout, API
    keys, backup and restore, the retraining triggers, the incident checklist, with this workspace's commands."""
    from tunedesk.runbook import write_runbook
    from tunedesk.runbook.console import print_runbook
    from tunedesk.workspace import Workspace

    show(write_runbook(Workspace.open(workspace)), as_json, print_runbook)


@app.command()
def backup(
    workspace: WorkspaceOpt = Path("."),
    out_path: Annotated[Path | None, typer.Option("--out", help="The backup file (default backups/<store>-<UTC "
                                                  "time>.db in the workspace).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Back up the SQLite store (safe while the server runs) and check the copy."""
    from tunedesk.runbook import backup_store
    from tunedesk.runbook.console import print_backup
    from tunedesk.workspace import Workspace

    show(backup_store(Workspace.open(workspace), out_path), as_json, print_backup)


@app.command()
def restore(
    backup_file: Annotated[str, typer.Argument(metavar="BACKUP", help="A backup file, or `latest` (the newest in "
                                               "the workspace's backups/).")],
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Replace the store with a checked backup (stop the server first); the replaced store is kept beside it."""
    from tunedesk.runbook import restore_store
    from tunedesk.runbook.console import print_backup
    from tunedesk.workspace import Workspace

    show(restore_store(Workspace.open(workspace), backup_file), as_json, print_backup)
