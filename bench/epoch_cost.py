"""What an epoch costs: prompt variants × training methods × model sizes, side by side in one run.

The example workspace is built once (init --example → ingest → clean → build, cached in the work folder); each
prompt variant is a copy of it whose training files are rebuilt with `tunedesk build` and the variant's overrides:

    plain        dataset.precedents.k=0 (policies only)
    precedents   as configured: the 2 most similar past tickets (customer 280 / reply 480 characters)
    short        2 precedents cut to customer 160 / reply 320 characters
    k1           1 precedent (280 / 480)

For each variant: examples, tokens per epoch as the trainer counts them (chat template, the same encoder), tokens
trained (the replies) and their share, mean tokens per example, and the padding share of the trainer's
length-grouped micro-batches (it pads; it does not pack). Then tunedesk's own trainer (session.build_trainer, dtype
auto) trains a few optimizer steps of one micro-batch of `--step-tokens` for each variant × method (full, lora) on
the embedded SmolLM2-135M, and for the default variant also on a randomly initialised model of SmolLM2-360M's shape,
each in its own process: non-padding tokens/s from the second step on, seconds per epoch (epoch tokens ÷ tokens/s)
and the ratio against the plain prompt with full fine-tuning at 135M. A configuration that no longer fits
`--budget-s` is skipped with a message.

    python bench/epoch_cost.py                        # sized for about 10 minutes on 2 idle cores
    python bench/epoch_cost.py --steps 6 --budget-s 1200 --sizes 135m
    python bench/epoch_cost.py --reuse --variants plain precedents   # keep the builds of an earlier run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VARIANTS: dict[str, list[str]] = {
    "plain": ["dataset.precedents.k=0"],
    "precedents": [],
    "short": ["dataset.precedents.customer_chars=160", "dataset.precedents.reply_chars=320"],
    "k1": ["dataset.precedents.k=1"],
}
DEFAULT_VARIANT = "precedents"
METHODS = ("full", "lora")
SIZES = ("135m", "360m")
SIZE_FACTOR = {"135m": 1.0, "360m": 361.8 / 134.5}
"""Parameters against the 135M model: how much longer a step takes, for the time-budget estimate."""
BASELINE = ("plain", "full", "135m")
STAMP = ".epoch_cost_overrides.json"
MIN_LEFT_S = 30
"""Below this much of --budget-s no configuration starts."""


def build_variants(root: Path, workdir: Path, names: list[str], reuse: bool, console: Any) -> dict[str, Path]:
    """A copy of the built workspace per variant with its training files rebuilt under the variant's overrides
    (with `reuse`, a copy already built with the same overrides is kept)."""
    out = {}
    for name in names:
        dest = workdir / "variants" / name
        out[name] = dest / "data" / "train.jsonl"
        stamp = dest / STAMP
        if reuse and out[name].is_file() and stamp.is_file() and json.loads(stamp.read_text()) == VARIANTS[name]:
            console.print(f"reused {name} ({dest})")
            continue
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(root, dest, ignore=shutil.ignore_patterns("runs", "reports"))
        started = time.perf_counter()
        cmd = [sys.executable, "-m", "tunedesk", "build", "-w", str(dest), "-q", *VARIANTS[name]]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        stamp.write_text(json.dumps(VARIANTS[name]), encoding="utf-8")
        console.print(f"built {name} ({' '.join(VARIANTS[name]) or 'as configured'}) in "
                      f"{time.perf_counter() - started:.0f} s")
    return out


def token_stats(train: Path, max_length: int, step_tokens: int, seed: int) -> dict[str, Any]:
    """Examples, tokens per epoch, trained tokens and share, mean length, padding of the trainer's micro-batches."""
    from epoch_workers import MODEL

    from tunedesk.models.template import load_template
    from tunedesk.train.batching import micro_batches, padding_share
    from tunedesk.train.data import encode_file

    encoded = encode_file(train, load_template(MODEL), max_length)
    lengths = [len(e.input_ids) for e in encoded.examples]
    batches = micro_batches(lengths, step_tokens, seed)
    n = len(lengths)
    return {"train": str(train), "examples": n, "tokens": encoded.tokens, "trained_tokens": encoded.trained_tokens,
            "trained_share": round(encoded.trained_tokens / encoded.tokens, 4),
            "mean_tokens": round(encoded.tokens / n, 1), "longest": max(lengths), "truncated": encoded.truncated,
            "micro_batches": len(batches), "padding_share": round(padding_share(batches, lengths), 4)}


def plan(variants: list[str], methods: list[str], sizes: list[str]) -> list[tuple[str, str, str]]:
    """(variant, method, size) in the order they run, the most telling first (the budget skips the last): plain and
    the default variant at 135M, then the larger sizes on the default variant (or the first one chosen), then the
    other variants."""
    large = DEFAULT_VARIANT if DEFAULT_VARIANT in variants else variants[0]
    first = [v for v in ("plain", large) if v in variants]
    small = [(v, m, "135m") for v in variants for m in methods] if "135m" in sizes else []
    order = [c for c in small if c[0] in first]
    order += [(large, m, size) for size in sizes if size != "135m" for m in methods]
    return order + [c for c in small if c[0] not in first]


def run_worker(spec: dict[str, Any], workdir: Path, timeout_s: float) -> dict[str, Any]:
    """One measurement in a child process; its JSON result (or the failure) comes back."""
    name = f"{spec['variant']}_{spec['method']}_{spec['size']}"
    spec_path, out = workdir / f"spec_{name}.json", workdir / f"result_{name}.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, __file__, "--worker", str(spec_path)], capture_output=True,
                              text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_s:.0f} s", "wall_s": round(time.perf_counter() - started, 1)}
    wall = round(time.perf_counter() - started, 1)
    if proc.returncode != 0 or not out.is_file():
        return {"error": (proc.stderr or proc.stdout)[-2000:], "wall_s": wall}
    return {**json.loads(out.read_text(encoding="utf-8")), "wall_s": wall}


def measure(args: argparse.Namespace, trains: dict[str, Path], console: Any) -> list[dict[str, Any]]:
    """Every planned configuration that fits the time budget, measured; the others skipped with the reason."""
    started, results = time.perf_counter(), []
    walls: dict[tuple[str, str], float] = {}
    for variant, method, size in plan(args.variants, args.methods, args.sizes):
        left = args.budget_s - (time.perf_counter() - started)
        need = _estimate(walls, method, size)
        row: dict[str, Any] = {"variant": variant, "method": method, "size": size}
        if left < MIN_LEFT_S or (need is not None and need > left):
            needs = f"needs about {need:.0f} s, " if need is not None else ""
            row["skipped"] = f"{needs}{max(0, left):.0f} s of --budget-s left"
            console.print(f"[yellow]skipped {variant} × {method} × {size}: {row['skipped']}[/]")
            results.append(row)
            continue
        console.print(f"training {variant} × {method} × {size} ({args.steps} steps of {args.step_tokens} tokens) …")
        spec = {"variant": variant, "method": method, "size": size, "train": str(trains[variant]),
                "steps": args.steps, "step_tokens": args.step_tokens, "max_length": args.max_length,
                "seed": args.seed, "budget_s": left, "out": str(args.workdir / "runs" / variant)}
        row.update(run_worker(spec, args.workdir, timeout_s=left + 180))
        walls.setdefault((method, size), row["wall_s"])  # a failure's time counts too: a timeout repeats
        console.print(f"  {_line(row)}")
        results.append(row)
    return results


def _estimate(walls: dict[tuple[str, str], float], method: str, size: str) -> float | None:
    """Seconds a configuration will take: the first one measured of its method and size, or scaled from 135M."""
    if (method, size) in walls:
        return walls[(method, size)]
    if (method, "135m") in walls:
        return walls[(method, "135m")] * SIZE_FACTOR[size]
    return None


def _line(row: dict[str, Any]) -> str:
    if "error" in row:
        return "[red]failed: " + row["error"].strip().splitlines()[-1][:200] + "[/]"
    return (f"{row['tokens_per_s']:.0f} tokens/s over {row['steps_done']} steps ({row['dtype']}), "
            f"{row['wall_s']:.0f} s in all, peak RSS {row['peak_rss_mb']:.0f} MB"
            + (" [time budget hit]" if row["budget_hit"] else ""))


def summarise(stats: dict[str, dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds per epoch for every measured configuration, and the ratios against plain prompts + full at 135M."""
    for row in results:
        if "tokens_per_s" in row:
            row["seconds_per_epoch"] = round(stats[row["variant"]]["tokens"] / row["tokens_per_s"], 1)
    epoch = {(r["variant"], r["method"], r["size"]): r.get("seconds_per_epoch") for r in results}
    base = epoch.get(BASELINE)
    for row in results:
        seconds = row.get("seconds_per_epoch")
        row["ratio_vs_plain_full"] = round(seconds / base, 2) if seconds and base else None
    plain_tokens = stats.get("plain", {}).get("tokens")
    ratios: dict[str, Any] = {
        "tokens_vs_plain": {v: round(s["tokens"] / plain_tokens, 2) for v, s in stats.items()} if plain_tokens else {},
        "epoch_vs_plain_full_135m": {f"{r['variant']}/{r['method']}/{r['size']}": r["ratio_vs_plain_full"]
                                     for r in results if r.get("ratio_vs_plain_full")},
        "lora_vs_full": {f"{v}/{s}": round(epoch[(v, "lora", s)] / epoch[(v, "full", s)], 2)  # type: ignore[operator]
                         for v, _m, s in epoch if epoch.get((v, "lora", s)) and epoch.get((v, "full", s))}}
    return ratios


def print_tables(console: Any, report: dict[str, Any]) -> None:
    """The variants' token economy, then the measured cost of an epoch per variant × method × size."""
    from rich.table import Table

    tokens = Table(title="Token economy of an epoch (training split, SmolLM2 chat template)")
    for col in ("variant", "overrides", "examples", "tokens/epoch", "trained", "trained share", "tokens/example",
                "padding"):
        tokens.add_column(col, justify="left" if col in ("variant", "overrides") else "right")
    for name, s in report["variants"].items():
        tokens.add_row(name, " ".join(VARIANTS[name]).replace("dataset.precedents.", "") or "(as configured)",
                       f"{s['examples']:,}", f"{s['tokens']:,}", f"{s['trained_tokens']:,}",
                       f"{100 * s['trained_share']:.1f} %", f"{s['mean_tokens']:.1f}",
                       f"{100 * s['padding_share']:.1f} %")
    console.print(tokens)
    settings = report["settings"]
    cost = Table(title=f"Training cost, tunedesk trainer, {settings['steps']} steps of {settings['step_tokens']} "
                       "tokens (first step excluded)")
    for col in ("variant", "method", "model", "dtype", "tokens/s", "tokens/CPU-s", "s/epoch", "÷ plain full 135m",
                "peak RSS MB"):
        cost.add_column(col, justify="left" if col in ("variant", "method", "model", "dtype") else "right")
    for r in report["results"]:
        model = "SmolLM2-135M" if r["size"] == "135m" else f"SmolLM2-{r['size'].upper()} (random)"
        if "tokens_per_s" not in r:
            cost.add_row(r["variant"], r["method"], model, "-", "skipped" if "skipped" in r else "failed", "-", "-",
                         "-", "-")
            continue
        ratio = r["ratio_vs_plain_full"]
        cost.add_row(r["variant"], r["method"], model, r["dtype"], f"{r['tokens_per_s']:.0f}"
                     + ("*" if r["budget_hit"] else ""), f"{r['tokens_per_cpu_s'] or 0:.0f}",
                     f"{r['seconds_per_epoch']:,.0f}",
                     f"{ratio:.2f}" if ratio else "-", f"{r['peak_rss_mb']:,}")
    console.print(cost)


def print_ratios(console: Any, ratios: dict[str, Any], load: dict[str, Any]) -> None:
    """The ratios the run ends with."""
    def join(values: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v:.2f}×" for k, v in values.items()) or "-"

    console.print(f"tokens per epoch ÷ plain: {join(ratios['tokens_vs_plain'])}")
    console.print(f"seconds per epoch ÷ plain/full/135m: {join(ratios['epoch_vs_plain_full_135m'])}")
    console.print(f"lora ÷ full, seconds per epoch: {join(ratios['lora_vs_full'])}")
    console.print(f"load average (1 min) at start {load['start']:.1f}, at end {load['end']:.1f} on "
                  f"{os.cpu_count()} cores: above the core count, other work shared the CPU and the figures are "
                  "noisy (* = stopped by the time budget)")


def main() -> int:
    args = parse_args()
    if args.worker:
        from epoch_workers import worker

        spec = json.loads(args.worker.read_text(encoding="utf-8"))
        result = worker(spec)
        out = args.worker.with_name(args.worker.name.replace("spec_", "result_", 1))
        out.write_text(json.dumps(result, indent=2), encoding="utf-8")
        return 0
    from rich.console import Console
    from train_throughput import prepare

    console = Console()
    if not console.is_terminal:
        console.width = 150  # a log file gets the whole table
    load_start = os.getloadavg()[0]
    args.workdir.mkdir(parents=True, exist_ok=True)
    root = prepare(args.workdir)
    trains = build_variants(root, args.workdir, args.variants, args.reuse, console)
    stats = {v: token_stats(p, args.max_length, args.step_tokens, args.seed) for v, p in trains.items()}
    results = measure(args, trains, console)
    results.sort(key=lambda r: (SIZES.index(r["size"]), args.variants.index(r["variant"]), METHODS.index(r["method"])))
    ratios = summarise(stats, results)
    load = {"start": load_start, "end": os.getloadavg()[0]}
    settings = {k: getattr(args, k) for k in ("steps", "step_tokens", "max_length", "seed", "budget_s")}
    report = {"settings": settings, "cpu_threads": os.cpu_count(), "load_average": load, "variants": stats,
              "results": results, "ratios": ratios}
    print_tables(console, report)
    path = HERE / "results" / "epoch_cost.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {path}")
    print_ratios(console, ratios, load)
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3, help="optimizer steps per configuration (the first is "
                        "excluded from tokens/s when 3 or more run)")
    parser.add_argument("--step-tokens", type=int, default=1024, help="padded tokens a step (train.batch_tokens = "
                        "train.micro_batch_tokens)")
    parser.add_argument("--max-length", type=int, default=1024, help="train.max_length (model.max_length default)")
    parser.add_argument("--budget-s", type=float, default=540, help="seconds for all the training measurements; "
                        "a configuration that no longer fits is skipped")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=SIZES)
    parser.add_argument("--reuse", action="store_true", help="keep the variants' builds from an earlier run "
                        "(same overrides) instead of rebuilding them")
    parser.add_argument("--workdir", type=Path, default=HERE / ".work" / "epoch")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir = args.workdir.resolve()
    return args


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    raise SystemExit(main())
