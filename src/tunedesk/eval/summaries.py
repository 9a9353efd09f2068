"""`tunedesk eval --task summaries`: thread summaries for the agent taking a ticket over, scored on held-out
multi-turn threads — the served model's summary (as the server serves it: checked, with the extractive fallback),
the model's own text before the fallback, and the extractive baseline, side by side: coverage of the reference
points, the unsupported-sentence rate, length and the fallback rate, with 95 % intervals
→ reports/eval/summaries/<model>.json.

    tunedesk eval --task summaries -w ws --model base
    tunedesk eval --task summaries -w ws --model latest --limit 40
"""

from __future__ import annotations

import json
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from tunedesk.answer.backends.base import generate_all
from tunedesk.answer.extractive_summary import summarise
from tunedesk.answer.faithfulness import check_summary
from tunedesk.answer.setup import version_backend
from tunedesk.answer.summaries import ServedSummary, served_summary, summary_request
from tunedesk.answer.types import Completion
from tunedesk.eval.stage import EvalSummary
from tunedesk.eval.summary_scores import COVERED, column_figures, coverage
from tunedesk.eval.summary_threads import SummaryEvalError, Thread, fitted_min_support, load_threads, read_references
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.workspace import Workspace

__all__ = ["COLUMNS", "SummaryEvalError", "print_summaries", "run"]

COLUMNS = ("model", "model_raw", "extractive")
"""model: what the server serves (the model's summary, or the extractive one when the check fails); model_raw:
the model's own text, checked but never replaced; extractive: the baseline, no model."""


def run(ws: Workspace, model: str = "base", *, limit: int | None = None,
        reporter: Reporter | None = None) -> EvalSummary:
    """Summarise the held-out multi-turn threads with `model` and with the extractive baseline, and score both."""
    reporter = reporter or SilentReporter()
    held_out, fitting = load_threads(ws, read_references(ws))
    if not held_out:
        raise SummaryEvalError("no held-out multi-turn thread with a reference: run `tunedesk ingest` and "
                               "`tunedesk clean` on a corpus with multi-turn threads and references")
    threads = held_out[:limit] if limit else held_out
    min_support, fit_counts = fitted_min_support(fitting)
    words = ws.config.serve.summary_words
    started = time.perf_counter()
    name, texts = _model_summaries(ws, model, threads, words, reporter)
    seconds = time.perf_counter() - started
    rows = [_row(t, text, words, min_support) for t, text in zip(threads, texts, strict=True)]
    seed = ws.config.eval.seed
    summary = {"task": "summaries", "model": name, "threads": len(rows), "held_out_threads": len(held_out),
               "max_words": words, "covered_at": COVERED, "seconds": round(seconds, 1),
               "min_support": {"fitted": min_support, "configured": ws.config.serve.summaries.min_support,
                               "fitted_on": {"train_threads": len(fitting), **fit_counts}},
               "columns": {column: column_figures(rows, column, seed) for column in COLUMNS}}
    return EvalSummary(summary, _write(ws, name, summary, rows))


def _model_summaries(ws: Workspace, model: str, threads: list[Thread], words: int,
                     reporter: Reporter) -> tuple[str, list[str | None]]:
    """(the model's version name, its raw summary of each thread; None where generation failed)."""
    if model == "retrieval":
        raise SummaryEvalError("--model retrieval has no model to write summaries: use base, a run or latest")
    backend = version_backend(ws, model)
    try:
        config = ws.config.serve.summaries.model_copy(update={"mode": "model"})
        requests = [summary_request(t.messages, words, config) for t in threads]
        with reporter.task(f"{model}: summarise {len(threads)} held-out threads", total=len(threads)) as task:
            done = generate_all(backend, requests, task, ws.config.eval.batch_size)
        name = getattr(backend, "model_version", None) or model
    finally:
        backend.close()
    return name, [d.text if isinstance(d, Completion) else None for d in done]


def _row(thread: Thread, text: str | None, words: int, min_support: float) -> dict[str, Any]:
    """One thread's three summaries, each with its coverage, faithfulness and length."""
    served = served_summary(text, thread.messages, words, min_support,
                            failure=None if text is not None else "generation")
    extractive = summarise(thread.messages, words)
    return {"ticket_id": thread.ticket_id, "category": thread.category, "reference": thread.points,
            "model": _cell(served.text, thread, min_support, served),
            "model_raw": _cell(served.model_text or text or "", thread, min_support),
            "extractive": _cell(extractive.text, thread, min_support)}


def _cell(text: str, thread: Thread, min_support: float, served: ServedSummary | None = None) -> dict[str, Any]:
    checks = check_summary(text, [m["content"] for m in thread.messages], min_support)
    cell: dict[str, Any] = {"text": text, "words": len(text.split()), "coverage": coverage(thread.points, text),
                            "supported": [c.supported for c in checks],
                            "unsupported": [c.as_dict() for c in checks if not c.supported]}
    if served is not None:
        cell.update(method=served.method, fallback=served.fallback, reason=served.reason)
    return cell


def _write(ws: Workspace, name: str, summary: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, str]:
    folder = ws.output_dir("reports") / "eval" / "summaries"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.replace('/', '_')}.json"
    path.write_text(json.dumps({**summary, "rows": rows}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"json": str(path)}


def print_summaries(console: Console, result: EvalSummary) -> None:
    """The three columns side by side, with 95 % intervals, and the path written."""
    s = result.summary
    table = Table(title=f"summaries of {s['threads']} held-out multi-turn threads ({s['model']})")
    table.add_column("")
    for column in COLUMNS:
        table.add_column(column.replace("_", " "), justify="right")
    cols = [s["columns"][c] for c in COLUMNS]
    table.add_row("coverage of reference points", *(_mean(c["coverage"], pct=True) for c in cols))
    table.add_row(f"points covered (≥{COVERED:.0%} of words)", *(_share(c["points_covered"]) for c in cols))
    table.add_row("unsupported sentences", *(_share(c["unsupported_sentences"]) for c in cols))
    table.add_row("words", *(_mean(c["words"]) for c in cols))
    table.add_row("fallback to extractive", _share(cols[0]["fallback"]), "", "")
    console.print(table)
    fit = s["min_support"]
    console.print(f"faithfulness threshold (min_support) fitted on {fit['fitted_on']['train_threads']} training "
                  f"threads: {fit['fitted']:g} (serve.summaries.min_support is {fit['configured']:g})")
    console.print(f"wrote {result.paths['json']}")


def _mean(figure: dict[str, Any], pct: bool = False) -> str:
    if figure["mean"] is None:
        return "–"
    scale, unit = (100, " %") if pct else (1, "")
    low, high = figure["ci95"]
    return f"{figure['mean'] * scale:.1f}{unit} [{low * scale:.1f}–{high * scale:.1f}]"


def _share(figure: dict[str, Any]) -> str:
    if figure["share"] is None:
        return "–"
    low, high = figure["ci95"]
    return f"{figure['share'] * 100:.1f} % [{low * 100:.0f}–{high * 100:.0f}]"
