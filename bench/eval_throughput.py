"""Held-out generation throughput: batched (tunedesk eval's way) against one prompt at a time, side by side.

The embedded default (SmolLM2-135M) answers the first N held-out prompts of the example workspace twice — in
length-sorted, left-padded batches and one at a time — greedy, with the same max_new_tokens. Reports held-out items
per minute, reply tokens per second, how many replies are identical, and `ratio_batched`.

    python bench/eval_throughput.py                    # prepares bench/.work/train/workspace when missing
    python bench/eval_throughput.py --items 48 --batch 16
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from rich.console import Console

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from train_throughput import prepare  # noqa: E402


class ModeResult(TypedDict):
    """One way of generating: its batch size, wall time and throughput."""

    batch: int
    seconds: float
    items_per_min: float
    reply_tokens_per_s: float


class Report(TypedDict):
    """bench/results/eval_throughput.json."""

    items: int
    max_new_tokens: int
    identical_replies: int
    batched: ModeResult
    one_at_a_time: ModeResult
    ratio_batched: float


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--workdir", type=Path, default=HERE / ".work" / "train")
    args = parser.parse_args()
    from rich.console import Console

    from tunedesk.models.candidate import load_candidate
    from tunedesk.models.generate import generate

    console = Console()
    root = prepare(args.workdir.resolve())
    rows = [json.loads(line) for line in (root / "data" / "holdout.jsonl").read_text().splitlines()[:args.items]]
    prompts = [r["messages"][:-1] for r in rows]
    candidate = load_candidate(root, "base", "smollm2-135m")
    results: dict[str, ModeResult] = {}
    texts: dict[str, list[str]] = {}
    for label, batch in (("batched", args.batch), ("one at a time", 1)):
        console.print(f"{label} …")
        replies, seconds = generate(candidate.model, candidate.tokenizer, prompts, batch_size=batch,
                                    max_new_tokens=args.max_new_tokens)
        tokens = sum(g.tokens for g in replies)
        results[label] = {"batch": batch, "seconds": round(seconds, 1), "items_per_min": len(prompts) / seconds * 60,
                          "reply_tokens_per_s": tokens / seconds}
        texts[label] = [g.text for g in replies]
    same = sum(a == b for a, b in zip(texts["batched"], texts["one at a time"], strict=True))
    report: Report = {
        "items": len(prompts), "max_new_tokens": args.max_new_tokens, "identical_replies": same,
        "batched": results["batched"], "one_at_a_time": results["one at a time"],
        "ratio_batched": results["batched"]["items_per_min"] / results["one at a time"]["items_per_min"]}
    _table(console, report)
    path = HERE / "results" / "eval_throughput.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {path}")
    return 0


def _table(console: Console, report: Report) -> None:
    from rich.table import Table

    table = Table(title=f"held-out generation, SmolLM2-135M, {report['items']} items, greedy, "
                        f"≤ {report['max_new_tokens']} new tokens")
    for col in ("mode", "batch", "seconds", "items/min", "reply tokens/s"):
        table.add_column(col, justify="left" if col == "mode" else "right")
    for label, r in (("batched", report["batched"]), ("one_at_a_time", report["one_at_a_time"])):
        table.add_row(label, str(r["batch"]), f"{r['seconds']:.1f}", f"{r['items_per_min']:.1f}",
                      f"{r['reply_tokens_per_s']:.1f}")
    console.print(table)
    console.print(f"ratio_batched {report['ratio_batched']:.2f} · identical replies "
                  f"{report['identical_replies']}/{report['items']}")


if __name__ == "__main__":
    raise SystemExit(main())
