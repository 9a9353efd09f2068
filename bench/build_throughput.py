"""Build + validate throughput on the cleaned 100,000-ticket export, in one process.

Side by side in the same run: `tunedesk validate` on the training file against the way OpenAI's cookbook checks a
chat file — a loop over rows with one format check and one tokenisation (`apply_chat_template(tokenize=True)`)
per example — on the same rows with the same tokenizer.

    python bench/build_throughput.py                 # reuses bench/.work/clean (prepared when missing)
    python bench/build_throughput.py --tickets 20000

Prints a table and writes bench/results/build_throughput.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from clean_throughput import prepare  # noqa: E402

from tunedesk.build import stage  # noqa: E402
from tunedesk.clean import stage as clean_stage  # noqa: E402
from tunedesk.ingest import stage as ingest  # noqa: E402
from tunedesk.models.base import load_tokenizer  # noqa: E402
from tunedesk.validate import run as validate  # noqa: E402
from tunedesk.workspace import Workspace  # noqa: E402

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


def cleaned_workspace(workdir: Path, tickets: int, seed: int, console: Console) -> Workspace:
    """The clean benchmark's workspace, ingested and cleaned (prepared here when missing or of another size)."""
    root = workdir / "workspace"
    if root.exists():
        ws = Workspace.open(root)
        if ws.store.count("tickets") == tickets and ws.store.count("clean_tickets") == tickets:
            return ws
    console.print(f"preparing {tickets:,} cleaned tickets …")
    ws = prepare(workdir, tickets, seed, console)
    ingest.run(ws)
    clean_stage.run(ws)
    return ws


def cookbook_baseline(path: Path, model: str, limit: int) -> dict[str, float]:
    """Per-row checks and tokenisation, as the cookbook loops: the baseline."""
    # The transformers tokenizer itself: the cookbook tokenises (tokenize=True), which tunedesk's Tokenizer protocol
    # leaves out (tunedesk only asks its chat template for text).
    tokenizer = cast("PreTrainedTokenizerBase", load_tokenizer(model))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:limit]]
    t0 = time.perf_counter()
    errors = 0
    lengths = []
    for row in rows:
        messages = row.get("messages")
        if not isinstance(messages, list) or not any(m.get("role") == "assistant" for m in messages):
            errors += 1
            continue
        for m in messages:
            if set(m) - {"role", "content", "name", "weight"} or not isinstance(m.get("content"), str):
                errors += 1
        ids = tokenizer.apply_chat_template([{"role": m["role"], "content": m["content"]} for m in messages],
                                            tokenize=True)
        # transformers 5 returns a BatchEncoding (a Mapping, not a dict); earlier versions the list of ids.
        lengths.append(len(ids["input_ids"] if isinstance(ids, Mapping) else ids))
    seconds = time.perf_counter() - t0
    return {"rows": len(rows), "seconds": seconds, "rows_per_s": len(rows) / seconds, "errors": errors,
            "tokens": sum(lengths)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, default=HERE / ".work" / "clean")
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    args = parser.parse_args()
    console = Console()
    ws = cleaned_workspace(args.workdir, args.tickets, args.seed, console)
    console.print("build …")
    t0 = time.perf_counter()
    built = stage.run(ws)
    build_s = time.perf_counter() - t0
    paths = built.paths
    console.print("validate train, val and holdout …")
    t1 = time.perf_counter()
    reports = {split: validate(Path(paths[split]), workspace=ws) for split in ("train", "val", "holdout")}
    validate_s = time.perf_counter() - t1
    console.print("baseline: per-row checks and tokenisation …")
    ours = _ours_on_rows(Path(paths["train"]), ws, args.baseline_rows)
    base = cookbook_baseline(Path(paths["train"]), ws.config.model.base, args.baseline_rows)
    n = len(built.examples)
    result = {
        "tickets": args.tickets, "cleaned_tickets": built.tickets_in, "examples": n,
        "build_s": build_s, "validate_s": validate_s, "build_examples_per_s": n / build_s,
        "validate_examples_per_s": n / validate_s, "examples_per_s": n / (build_s + validate_s),
        "validation_errors": sum(len(r.errors) for r in reports.values()),
        "baseline": {"rows": base["rows"], "ours_rows_per_s": ours, "cookbook_rows_per_s": base["rows_per_s"],
                     "ratio_vs_per_row": ours / base["rows_per_s"]},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print_table(console, result)
    out = HERE / "results" / "build_throughput.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"wrote {out}")
    return 0


def _ours_on_rows(train: Path, ws: Workspace, limit: int) -> float:
    """tunedesk validate on the same first rows the baseline reads (rows/s)."""
    sample = train.with_name("bench_sample.jsonl")
    sample.write_text("".join(train.read_text(encoding="utf-8").splitlines(keepends=True)[:limit]), encoding="utf-8")
    t0 = time.perf_counter()
    report = validate(sample, model=ws.config.model.base, max_length=ws.config.model.max_length)
    return report.rows / (time.perf_counter() - t0)


def print_table(console: Console, r: dict) -> None:
    """The figures a person compares."""
    table = Table(title=f"build + validate, {r['cleaned_tickets']:,} cleaned tickets → {r['examples']:,} examples")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [("build examples/s", f"{r['build_examples_per_s']:,.0f}"),
            ("validate examples/s", f"{r['validate_examples_per_s']:,.0f}"),
            ("build + validate examples/s", f"{r['examples_per_s']:,.0f}"),
            ("validation errors", str(r["validation_errors"])),
            (f"validate, {r['baseline']['rows']:,} rows: tunedesk rows/s", f"{r['baseline']['ours_rows_per_s']:,.0f}"),
            ("validate: cookbook-style per-row rows/s", f"{r['baseline']['cookbook_rows_per_s']:,.0f}"),
            ("ratio vs per-row", f"{r['baseline']['ratio_vs_per_row']:.2f}"),
            ("peak RSS MB", f"{r['peak_rss_mb']:,.0f}")]
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)


if __name__ == "__main__":
    raise SystemExit(main())
