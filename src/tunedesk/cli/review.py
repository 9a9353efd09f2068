"""`tunedesk review`: export eval replies for people to grade, import their grades, and show how far the judge
agrees with them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tunedesk.cli.app import JsonOpt, WorkspaceOpt, app, out

review_app = typer.Typer(no_args_is_help=True, help="Human review of eval replies: export a sheet to grade, import "
                                                    "the grades, measure the judge's agreement with people.")
app.add_typer(review_app, name="review")

ModelOpt = Annotated[str, typer.Option("--model", "-m", help="The evaluation: base, a run id or prefix, or latest.")]


@review_app.command("export")
def export_sheet(
    workspace: WorkspaceOpt = Path("."),
    model: ModelOpt = "base",
    sample: Annotated[int | None, typer.Option("--sample", min=1, help="Review this many replies, shared between "
                                               "categories by their size (default: all).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the sample (default: eval.seed).")] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="The CSV to write (default reports/eval/MODEL/"
                                                  "review.csv); the HTML goes beside it.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite a sheet that already holds grades.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write a CSV of eval replies to grade 3/2/1 (and an HTML page to read them) for one evaluated model."""
    from tunedesk.eval.console import print_sheet
    from tunedesk.eval.human import eval_dir_for, export_review_sheet
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    eval_dir = eval_dir_for(ws.root, model)
    sheet = export_review_sheet(eval_dir, out_path or eval_dir / "review.csv", sample=sample,
                                seed=ws.config.eval.seed if seed is None else seed, force=force)
    if as_json:
        print(json.dumps(sheet.as_dict()))
        return
    print_sheet(out, sheet, workspace, eval_dir.name)


@review_app.command("import")
def import_sheet(
    sheet: Annotated[Path, typer.Argument(metavar="SHEET.csv", help="The filled-in review CSV.")],
    workspace: WorkspaceOpt = Path("."),
    model: ModelOpt = "base",
    as_json: JsonOpt = False,
) -> None:
    """Read the human grades of a review CSV; write human.jsonl and agreement.json (kappa, agreement, confusion)."""
    from tunedesk.eval.console import print_agreement
    from tunedesk.eval.human import eval_dir_for, import_review_sheet
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    agreement = import_review_sheet(eval_dir_for(ws.root, model), sheet)
    if as_json:
        print(json.dumps(agreement.as_dict(), default=str))
        return
    print_agreement(out, agreement)
