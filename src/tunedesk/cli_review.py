"""`tunedesk review`: export eval replies for people to grade, import their grades, and show how far the judge
agrees with them (registered on the main app)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tunedesk.cli import JsonOpt, WorkspaceOpt, app, out

if TYPE_CHECKING:
    from tunedesk.eval.human import Agreement, ReviewSheet

review_app = typer.Typer(no_args_is_help=True, help="Human review of eval replies: export a sheet to grade, import "
                                                    "the grades, measure the judge's agreement with people.")
app.add_typer(review_app, name="review")

ModelOpt = Annotated[str, typer.Option("--model", "-m", help="The evaluation: base, a run id or prefix, or latest.")]
SHOWN_PROBLEMS = 10


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
    from tunedesk.eval.human import eval_dir_for, import_review_sheet
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    agreement = import_review_sheet(eval_dir_for(ws.root, model), sheet)
    if as_json:
        print(json.dumps(agreement.as_dict(), default=str))
        return
    print_agreement(out, agreement)


def print_sheet(console: Console, sheet: ReviewSheet, workspace: Path, model: str) -> None:
    """Rows per category, the files written, and what to do next."""
    console.print(f"[bold]review sheet[/]: {sheet.rows} of {sheet.total} replies", highlight=False)
    table = Table()
    table.add_column("category")
    table.add_column("rows", justify="right")
    for category, count in sheet.by_category.items():
        table.add_row(category, str(count))
    console.print(table)
    if sheet.skipped_lines:
        console.print(f"  left out unreadable lines of replies.jsonl: {sheet.skipped_lines}", highlight=False)
    csv_path = escape(str(sheet.csv_path))
    console.print(f"  wrote [green]{csv_path}[/] (fill in human_score 3/2/1 and human_note)", highlight=False)
    console.print(f"  wrote [green]{escape(str(sheet.html_path))}[/] (for reading)", highlight=False)
    console.print(f"Next: [bold]tunedesk review import {csv_path} -w {escape(str(workspace))} --model "
                  f"{escape(model)}[/]", highlight=False)


def print_agreement(console: Console, agreement: Agreement) -> None:
    """Kappa and agreement, the confusion matrix, rows set aside, and the files written."""
    head = Table(title=f"judge against human grades: {agreement.model}", title_justify="left", show_header=False)
    head.add_column("measure")
    head.add_column("value", justify="right")
    for label, value in (("replies graded", str(agreement.n_graded)),
                         ("rows read", str(agreement.n_rows)),
                         ("raw agreement", _num(agreement.raw_agreement, percent=True)),
                         ("Cohen's kappa", _num(agreement.kappa)),
                         ("kappa, quadratic-weighted", _num(agreement.weighted_kappa)),
                         ("rows set aside", str(len(agreement.problems)))):
        head.add_row(label, value)
    console.print(head)
    console.print("judge score (rows) against human score (columns):")
    confusion = Table()
    confusion.add_column("judge \\ human")
    for grade in (1, 2, 3):
        confusion.add_column(str(grade), justify="right")
    for grade, counts in zip((1, 2, 3), agreement.confusion, strict=True):
        confusion.add_row(str(grade), *map(str, counts))
    console.print(confusion)
    for problem in agreement.problems[:SHOWN_PROBLEMS]:
        console.print(f"  set aside {problem.source_file}: {problem.locator}: field '{problem.field}': "
                      f"{problem.reason}", markup=False, highlight=False)
    if len(agreement.problems) > SHOWN_PROBLEMS:
        console.print(f"  … and {len(agreement.problems) - SHOWN_PROBLEMS} more, listed in agreement.json")
    for path in agreement.paths.values():
        console.print(f"  wrote [green]{escape(path)}[/]", highlight=False)


def _num(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.1f} %" if percent else f"{value:.3f}"
