"""Model commands of the `tunedesk` CLI: train, runs, export."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from tunedesk.cli.app import JsonOpt, QuietOpt, WorkspaceOpt, app, out, overrides_only, reporter, show

if TYPE_CHECKING:
    from tunedesk.export.stage import ExportFormat


@app.command()
def train(
    args: Annotated[list[str] | None, typer.Argument(help="key=value overrides, e.g. train.method=full "
                                                           "train.epochs=2.")] = None,
    workspace: WorkspaceOpt = Path("."),
    resume: Annotated[str | None, typer.Option("--resume", help="Continue an interrupted run (id or `latest`) "
                                               "from its last checkpoint.")] = None,
    replay: Annotated[str | None, typer.Option("--replay", help="A new run with this run's settings on today's "
                                               "data; overrides apply on top (e.g. model.base=...).")] = None,
    calibrate: Annotated[bool, typer.Option("--calibrate", help="Short runs on growing slices of the training set, "
                                            "scored on validation, forecast the full run (reports/calibration.*)."
                                            )] = False,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Fine-tune the base model on the workspace's training set: progress, validation loss, a run in runs/."""
    from tunedesk.train.console import print_eval_step, print_train
    from tunedesk.train.stage import run
    from tunedesk.workspace import Workspace

    overrides = overrides_only(args)
    if calibrate:
        _calibrate(workspace, overrides, bool(resume or replay), as_json, quiet)
        return
    ws = Workspace.open(workspace, [] if replay or resume else overrides)
    on_eval = None if quiet or as_json else partial(print_eval_step, out)
    summary = run(ws, overrides=overrides, resume=resume, replay=replay, reporter=reporter(quiet, as_json),
                  on_eval=on_eval)
    show(summary, as_json, print_train)


def _calibrate(workspace: Path, overrides: list[str], other_mode: bool, as_json: bool, quiet: bool) -> None:
    from tunedesk.errors import TunedeskError
    from tunedesk.eval.calibrate import run as calibration_runs
    from tunedesk.eval.calibrate_report import print_calibration
    from tunedesk.workspace import Workspace

    if other_mode:
        raise TunedeskError("--calibrate makes new runs: it cannot be combined with --resume or --replay")
    ws = Workspace.open(workspace, overrides)
    summary = calibration_runs(ws, overrides=overrides, reporter=reporter(quiet, as_json))
    show(summary, as_json, print_calibration)


@app.command()
def runs(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False) -> None:
    """The workspace's training runs: base, method, data hash, steps, validation loss, speed."""
    from tunedesk.store.runs import list_runs

    found = list_runs(workspace)
    if as_json:
        print(json.dumps([r.record for r in found], default=str))
        return
    if not found:
        out.print(f"no runs yet in {workspace / 'runs'}: start one with `tunedesk train -w {workspace}`")
        return
    from tunedesk.train.console import print_runs

    print_runs(out, found)


@app.command()
def export(
    run_name: Annotated[str, typer.Argument(metavar="RUN", help="Run id, unique prefix, or `latest`.")],
    workspace: WorkspaceOpt = Path("."),
    fmt: Annotated[str, typer.Option("--format", "-f", help="merged (safetensors), gguf (F16 + quantized) or "
                                     "ollama (gguf + Modelfile).")] = "merged",
    quantize: Annotated[list[str] | None, typer.Option("--quantize", "-q", help="GGUF quantizations beside F16 "
                                                       "(repeatable): q8_0, q4_k_m, ...")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder to write (default runs/RUN/export/FORMAT).")]
    = None,
    no_check: Annotated[bool, typer.Option("--no-check", help="Skip the greedy-reply self-check.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Export a run: merged safetensors, GGUF for llama.cpp, or an Ollama model; checks itself (exit 1 if not)."""
    from tunedesk.errors import TunedeskError
    from tunedesk.export.stage import export_run, print_export
    from tunedesk.store.runs import find_run

    if fmt not in ("merged", "gguf", "ollama"):
        raise TunedeskError(f"--format {fmt!r}: choose merged, gguf or ollama")
    chosen = cast("ExportFormat", fmt)
    run = find_run(workspace, run_name)
    result = export_run(run.path, chosen, out_dir=out_dir, quantize=tuple(quantize or ["q8_0"]), check=not no_check,
                        reporter=reporter(as_json, as_json))
    if as_json:
        print(json.dumps(result.as_dict(), default=str))
    else:
        print_export(result, out)
    raise typer.Exit(0 if result.ok else 1)


@app.command(name="eval")
def evaluate(
    model: Annotated[str, typer.Option("--model", "-m", help="`base` (the untuned base model), `retrieval` (the "
                                       "nearest past reply, no model), a run id or prefix, or `latest`.")] = "base",
    workspace: WorkspaceOpt = Path("."),
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N held-out items.")] = None,
    args: Annotated[list[str] | None, typer.Argument(
        help="key=value overrides, e.g. serve.backend.temperature=0.")] = None,
    task: Annotated[str, typer.Option("--task", help="replies (answer held-out tickets) or summaries (summarise "
                                      "held-out multi-turn threads beside the extractive baseline).")] = "replies",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Answer the held-out tickets as the server would and score them 3/2/1, beside the baselines (nearest past reply,
    untuned base): shares with intervals, policy, escalation, hallucination, what mode auto would send."""
    from tunedesk.errors import TunedeskError
    from tunedesk.eval.console import print_eval
    from tunedesk.eval.stage import run
    from tunedesk.workspace import Workspace

    if task not in ("replies", "summaries"):
        raise TunedeskError(f"--task {task!r}: choose replies or summaries")
    ws = Workspace.open(workspace, overrides_only(args))
    if task == "summaries":
        from tunedesk.eval.summaries import print_summaries
        from tunedesk.eval.summaries import run as run_summaries

        show(run_summaries(ws, model, limit=limit, reporter=reporter(quiet, as_json)), as_json, print_summaries)
        return
    summary = run(ws, model, limit=limit, reporter=reporter(quiet, as_json))
    show(summary, as_json, print_eval)


@app.command()
def judge(
    file: Annotated[Path, typer.Argument(help="A replies file (JSONL): messages, reference, reply, category, kind; "
                                              "optionally id, grade (3/2/1) and reason.")],
    args: Annotated[list[str] | None, typer.Argument(help="key=value overrides, e.g. eval.judge=llm.")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
) -> None:
    """Score any replies file with the workspace's judge; with people's grades in it, show the agreement and
    Cohen's kappa."""
    from tunedesk.eval.console import print_graded
    from tunedesk.eval.grading import grade_file
    from tunedesk.eval.stage import eval_judge
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace, overrides_only(args))
    show(grade_file(file, eval_judge(ws)), as_json, print_graded)


@app.command()
def report(
    workspace: WorkspaceOpt = Path("."),
    candidate: Annotated[str | None, typer.Option("--candidate", help="The evaluated run to compare (default: the "
                                                  "newest evaluated run).")] = None,
    baseline: Annotated[str, typer.Option("--baseline", help="What to compare it with.")] = "base",
    as_json: JsonOpt = False,
) -> None:
    """HTML report of the evaluations: base vs candidate, per category, calibration, the worst replies."""
    from tunedesk.eval.report import build_report, print_report
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    result = build_report(ws.output_dir("reports"), candidate=candidate, baseline=baseline)
    if as_json:
        print(json.dumps({"html": str(result.html_path), "json": str(result.json_path)}))
        return
    print_report(result, out)
