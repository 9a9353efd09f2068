"""The commands that make and inspect a workspace and its data: init, ingest, clean, build, validate, status,
config, version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tunedesk import __version__
from tunedesk.cli.app import (
    JsonOpt,
    QuietOpt,
    WorkspaceOpt,
    app,
    out,
    overrides_only,
    relative,
    reporter,
    show,
    split_args,
)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Folder to create (or complete).")],
    example: Annotated[
        bool, typer.Option("--example", help="Fill it with the Trailhead Outfitters demo corpus.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that already exist.")] = False,
    tickets: Annotated[int, typer.Option("--tickets", min=10, help="Size of the example corpus.")] = 1500,
) -> None:
    """Create a workspace: tunedesk.yaml, policies.yaml, redaction.yaml, kb/ (and exports/ with --example)."""
    from tunedesk.scaffold import init_workspace

    result = init_workspace(path, example=example, force=force, example_tickets=tickets)
    for p in result.written:
        out.print(f"  wrote [green]{relative(p, result.root)}[/]")
    for p in result.kept:
        out.print(f"  kept  {relative(p, result.root)} (exists; --force overwrites)")
    if example:
        out.print(f"Example corpus: {result.example_tickets:,} Zendesk tickets in {path}/exports/")
    out.print(f"Next: [bold]tunedesk ingest -w {path}[/] then [bold]tunedesk clean -w {path}[/]")


@app.command()
def ingest(
    args: Annotated[list[str] | None, typer.Argument(
        help="Files or folders (default: `sources` and kb/ from tunedesk.yaml; a path inside a source is read with "
             "its format and options), and key=value config overrides.",
    )] = None,
    format: Annotated[str | None, typer.Option(
        "--format", "-f", help="Importer name; recognised per file when omitted.",
    )] = None,
    option: Annotated[list[str] | None, typer.Option(
        "--option", "-o",
        help="Importer option key=value (repeatable): -o category_field=123, -o columns.customer=instruction.",
    )] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Read helpdesk exports and KB articles into the workspace store (re-importing merges: never duplicates, never
    drops stored messages, notes or tags)."""
    from tunedesk.config import parse_overrides
    from tunedesk.ingest import stage
    from tunedesk.ingest.console import print_ingest
    from tunedesk.workspace import Workspace

    paths, overrides = split_args(args)
    ws = Workspace.open(workspace, overrides)
    summary = stage.run(ws, paths or None, format, parse_overrides(option or []), reporter(quiet, as_json))
    show(summary, as_json, print_ingest)


@app.command()
def clean(
    args: Annotated[list[str] | None, typer.Argument(help="key=value config overrides, e.g. clean.min_csat=4.")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Redact PII, strip notes/quotes/signatures, label escalations, filter by quality, remove duplicates."""
    from tunedesk.clean import stage
    from tunedesk.clean.console import print_clean
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace, overrides_only(args))
    summary = stage.run(ws, reporter(quiet, as_json))
    show(summary, as_json, print_clean)


@app.command()
def build(
    args: Annotated[list[str] | None, typer.Argument(
        help="key=value config overrides, e.g. dataset.holdout=0.1.",
    )] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Build data/train.jsonl, val.jsonl and holdout.jsonl from the cleaned tickets, with a dataset card."""
    from tunedesk.build import stage
    from tunedesk.build.console import print_build
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace, overrides_only(args))
    summary = stage.run(ws, reporter(quiet, as_json))
    show(summary, as_json, print_build)


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="A training file (JSONL: OpenAI chat, prompt/completion, instruction, "
                                              "ShareGPT).")],
    model: Annotated[str | None, typer.Option(
        "--model", "-m",
        help="Base model whose chat template and tokenizer to check against (default: the workspace's, else "
             "smollm2-135m).",
    )] = None,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w", help="Workspace: its model settings, and "
                                                   "a check that system prompts are the current ones.")] = None,
    max_length: Annotated[int | None, typer.Option("--max-length", help="Token limit (default: model.max_length, "
                                                   "else 1024).")] = None,
    fix: Annotated[Path | None, typer.Option("--fix", help="Write a corrected copy here.")] = None,
    file_format: Annotated[str | None, typer.Option("--format", help="openai, prompt_completion, instruction or "
                                                    "sharegpt (recognised when omitted).")] = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Check a training file before any compute is spent: row shape, roles, template, cut-off, policies. Exit 1 on
    errors."""
    from tunedesk.validate import print_report, run
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace) if workspace is not None else None
    model_cfg = ws.config.model if ws else None
    report = run(file, model=model or (model_cfg.base if model_cfg else "smollm2-135m"),
                 max_length=max_length or (model_cfg.max_length if model_cfg else 1024), workspace=ws,
                 fix_path=fix, file_format=file_format, reporter=reporter(quiet, as_json))
    if as_json:
        print(json.dumps(report.as_dict(), default=str))
    else:
        print_report(out, report)
    raise typer.Exit(report.exit_code)


@app.command()
def status(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False) -> None:
    """What the workspace's store holds and what each stage last did."""
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    store = ws.store
    counts = {
        "tickets": store.count("tickets"), "articles": store.count("articles"),
        "clean_kept": store.count("clean_tickets", outcome="kept"),
        "clean_dropped": store.count("clean_tickets", outcome="dropped"),
        "quarantined": store.count("quarantine"),
    }
    info = {"workspace": str(ws.root), "store": store.url, "counts": counts,
            "last": {s: store.last_stage_run(s) is not None for s in ("ingest", "clean")}}
    if as_json:
        print(json.dumps(info))
        return
    out.print(f"[bold]{ws.config.name}[/] at {ws.root}")
    for key, value in counts.items():
        out.print(f"  {key:<14} {value:>8,}")


@app.command()
def config(
    args: Annotated[list[str] | None, typer.Argument(help="key=value overrides to try.")] = None,
    workspace: WorkspaceOpt = Path("."),
    explain: Annotated[bool, typer.Option("--explain", help="List every key with its default and meaning.")] = False,
) -> None:
    """Show the resolved configuration (validated), or explain every key."""
    from tunedesk.config import dump_config
    from tunedesk.config import explain as explain_rows

    if explain:
        for key, default, doc in explain_rows():
            out.print(f"[bold]{key}[/] = {default}\n    {doc}")
        return
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace, overrides_only(args))
    out.print(dump_config(ws.config), markup=False, highlight=False)


@app.command()
def version() -> None:
    """Print the tunedesk version."""
    out.print(__version__)
