"""Model lifecycle commands of the `tunedesk` CLI: models, promote, rollback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tunedesk.cli.app import JsonOpt, WorkspaceOpt, app, out


@app.command()
def models(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False) -> None:
    """The model registry: every evaluated version, its status and held-out scores."""
    from tunedesk.eval.console import print_models
    from tunedesk.store.model_registry import ModelRegistry
    from tunedesk.workspace import Workspace

    versions = ModelRegistry(Workspace.open(workspace).store).versions()
    if as_json:
        print(json.dumps([{"id": v.id, "status": v.status, "kind": v.kind, "base": v.base, "method": v.method,
                           **{k: v.eval_summary.get(k) for k in ("n", "score_3", "score_1", "escalation_recall")}}
                          for v in versions], default=str))
        return
    print_models(out, versions)


@app.command()
def promote(
    version: Annotated[str, typer.Argument(metavar="RUN", help="The evaluated version: a run id, prefix, "
                                           "`latest`, or `base`.")],
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Make an evaluated run the production model, if it passes the gate (exit 1 with the failing criteria)."""
    from tunedesk.eval import gate
    from tunedesk.eval.console import print_gate
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    result = gate.promote(ws, _version_id(ws.root, version))
    if as_json:
        print(json.dumps(result.as_dict(), default=str))
    else:
        print_gate(out, result)
    raise typer.Exit(0 if result.promoted else 1)


@app.command()
def rollback(
    workspace: WorkspaceOpt = Path("."),
    to: Annotated[str | None, typer.Option("--to", help="The version to restore (default: the one production "
                                           "replaced last).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Take the production model out and bring back the previous production version."""
    from tunedesk.store.model_registry import ModelRegistry
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    removed, restored = ModelRegistry(ws.store).rollback(_version_id(ws.root, to) if to else None)
    if as_json:
        print(json.dumps({"archived": removed.id, "production": restored.id}))
        return
    out.print(f"rolled back: {removed.id} archived, [bold]{restored.id}[/] is production again")


def _version_id(root: Path, name: str) -> str:
    """`base` stays; anything else resolves as a run (id, unique prefix or `latest`)."""
    if name == "base":
        return name
    from tunedesk.store.runs import find_run

    return find_run(root, name).id
