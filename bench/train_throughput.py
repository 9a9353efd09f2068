"""Training throughput: tunedesk train against a plain TRL SFTTrainer, side by side in one run.

Same model (the embedded SmolLM2-135M), same examples from the example workspace's training set, same LoRA settings
(r 16, alpha 32, dropout 0.05 on q/k/v/o), same learning rate and number of optimizer steps. Each configuration runs
in its own process (clean peak-memory figures):

    trl_default   SFTTrainer as its documentation shows it: SFTConfig defaults plus use_cpu=True
                  (bf16 autocast, gradient checkpointing, batch 8, loss on every token)
    trl_tuned     tuned by hand: bf16, no gradient checkpointing, loss on the replies (prompt/completion data)
    trl_tuned_fp32  the same in fp32: the hand-tuned choice on a CPU without native bf16
    tunedesk      tunedesk's trainer (dtype auto, token-budget length-grouped batches, LM head at trained positions)

Reported: non-padding tokens/s from the second step on (the first warms up), peak RSS, the validation loss on the
replies of held-out examples after training (one evaluator for all), model FLOPs utilisation against the matmul peak
measured here at this model's shapes, and the ratios (JSON keys ratio_vs_trl_default, ratio_vs_trl_tuned).

    python bench/train_throughput.py                     # prepares bench/.work/train when missing
    python bench/train_throughput.py --steps 4 --budget-s 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TypedDict

HERE = Path(__file__).resolve().parent
CONFIGS = ("tunedesk", "trl_tuned_fp32", "trl_tuned", "trl_default")
class LoraSettings(TypedDict):
    """The LoRA settings both sides of the throughput comparison use."""

    r: int
    lora_alpha: int
    lora_dropout: float
    target_modules: list[str]


LORA: LoraSettings = {"r": 16, "lora_alpha": 32, "lora_dropout": 0.05,
                      "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}
PARAMS = 134_515_008


def prepare(workdir: Path) -> Path:
    """The example workspace, built (init --example → ingest → clean → build) when missing."""
    root = workdir / "workspace"
    if not (root / "data" / "train.jsonl").is_file():
        tunedesk = [sys.executable, "-m", "tunedesk"]
        subprocess.run([*tunedesk, "init", str(root), "--example"], check=True)
        for stage in ("ingest", "clean", "build"):
            subprocess.run([*tunedesk, stage, "-w", str(root), "-q"], check=True)
    return root


def subsets(root: Path, workdir: Path, examples: int, val: int, seed: int) -> tuple[Path, Path]:
    """The same training and validation rows for every configuration."""
    rows = (root / "data" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    random.Random(seed).shuffle(rows)
    train = workdir / "train_subset.jsonl"
    train.write_text("\n".join(rows[:examples]) + "\n", encoding="utf-8")
    val_rows = (root / "data" / "val.jsonl").read_text(encoding="utf-8").splitlines()[:val]
    held = workdir / "val_subset.jsonl"
    held.write_text("\n".join(val_rows) + "\n", encoding="utf-8")
    return train, held


def matmul_peak(dtype_name: str) -> float:
    """GFLOP/s of this model's typical matmul (512×576 by 576×1536) in the given dtype, best of 12 (this machine
    is noisy: the best run is the closest to what the cores can do)."""
    import torch

    dtype = torch.bfloat16 if dtype_name == "bf16" else torch.float32
    a, b = torch.randn(512, 576, dtype=dtype), torch.randn(576, 1536, dtype=dtype)
    best = 0.0
    for _ in range(12):
        start = time.perf_counter()
        for _ in range(10):
            a @ b
        best = max(best, 2 * 512 * 576 * 1536 * 10 / (time.perf_counter() - start) / 1e9)
    return best


def run_worker(config: str, args: argparse.Namespace, probe: bool) -> dict[str, Any]:
    """Run one configuration in a child process; its JSON result (or the failure) comes back.

    A probe (one step of one example) stands in for a bf16 configuration on a CPU that emulates bf16: a full step
    there takes the better part of an hour.
    """
    out = args.workdir / f"result_{config}.json"
    out.unlink(missing_ok=True)
    steps, batch = (1, 1) if probe else (args.steps, args.batch)
    cmd = [sys.executable, __file__, "--worker", config, "--workdir", str(args.workdir), "--steps", str(steps),
           "--batch", str(batch), "--budget-s", str(args.budget_s), "--seed", str(args.seed)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not out.is_file():
        return {"config": config, "error": (proc.stderr or proc.stdout)[-2000:]}
    return {**json.loads(out.read_text(encoding="utf-8")), "probe": probe}


def main() -> int:
    args = parse_args()
    if args.worker:
        from train_workers import worker

        result = worker(args.worker, args)
        (args.workdir / f"result_{args.worker}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        return 0
    from rich.console import Console

    console = Console()
    args.workdir.mkdir(parents=True, exist_ok=True)
    root = prepare(args.workdir)
    subsets(root, args.workdir, args.steps * args.batch, args.val, args.seed)
    peaks = {d: matmul_peak(d) for d in ("fp32", "bf16")}
    console.print(f"matmul peak here: fp32 {peaks['fp32']:.0f} GFLOP/s, bf16 {peaks['bf16']:.0f} GFLOP/s")
    emulated = peaks["bf16"] < 0.25 * peaks["fp32"]
    if emulated:
        console.print("[yellow]this CPU has no native bf16: bf16 baselines are measured on a probe of one step of "
                      "one example[/]")
    results = {}
    for config in args.configs:
        console.print(f"running {config} …")
        results[config] = run_worker(config, args, probe=emulated and config in ("trl_default", "trl_tuned"))
        console.print(f"  {_line(results[config])}")
    peaks = {d: max(peaks[d], matmul_peak(d)) for d in peaks}  # measured again after the runs: the best of both
    report = summarise(results, peaks, args)
    print_table(console, report)
    path = HERE / "results" / "train_throughput.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {path}")
    return 0


def summarise(results: dict[str, dict[str, Any]], peaks: dict[str, float], args: argparse.Namespace) -> dict:
    """Ratios and MFU: model FLOPs (4 × parameters a token for LoRA, as if every logit were computed) over the
    machine's best measured matmul rate in any dtype (on a CPU that emulates bf16, the fp32 one)."""
    peak = max(peaks.values())
    for r in results.values():
        if "tokens_per_s" in r:
            r["mfu"] = r["tokens_per_s"] * 4 * PARAMS / (peak * 1e9)
    ours = results.get("tunedesk", {}).get("tokens_per_s")

    def ratio(name: str) -> float | None:
        theirs = results.get(name, {}).get("tokens_per_s")
        return round(ours / theirs, 2) if ours and theirs else None

    return {"steps": args.steps, "batch": args.batch, "examples": args.steps * args.batch, "cpu_peak_gflops": peaks,
            "bf16_native": peaks["bf16"] >= 0.25 * peaks["fp32"],
            "cpu_threads": os.cpu_count(), "results": results, "ratio_vs_trl_default": ratio("trl_default"),
            "ratio_vs_trl_tuned": ratio("trl_tuned"), "ratio_vs_trl_tuned_fp32": ratio("trl_tuned_fp32")}


def _line(r: dict[str, Any]) -> str:
    if "error" in r:
        return "failed: " + r["error"].strip().splitlines()[-1][:200]
    return (f"{r['tokens_per_s']:.0f} tokens/s over {r['steps_done']} steps ({r['dtype']}), val loss "
            f"{r['val_loss']:.3f}, peak RSS {r['peak_rss_mb']:.0f} MB" + (" [time budget hit]" if r["budget_hit"]
                                                                            else ""))


def print_table(console: Any, report: dict[str, Any]) -> None:
    """Tokens/s, steps, memory, validation loss and MFU per configuration."""
    from rich.table import Table

    table = Table(title=f"LoRA training, SmolLM2-135M, {report['steps']} steps × {report['batch']} examples")
    for col in ("config", "dtype", "steps", "tokens/s", "peak RSS MB", "val loss", "MFU", "ratio"):
        table.add_column(col, justify="left" if col in ("config", "dtype") else "right")
    ours = report["results"].get("tunedesk", {}).get("tokens_per_s")
    for name, r in report["results"].items():
        if "error" in r:
            table.add_row(name, "-", "-", "failed", "-", "-", "-", "-")
            continue
        mark = "*" if r["budget_hit"] else ("p" if r.get("probe") else "")
        table.add_row(name, r["dtype"], f"{r['steps_done']}{mark}",
                      f"{r['tokens_per_s']:.0f}", f"{r['peak_rss_mb']:.0f}", f"{r['val_loss']:.3f}",
                      f"{100 * r['mfu']:.1f} %", f"{ours / r['tokens_per_s']:.2f}" if ours else "-")
    console.print(table)
    console.print("* stopped by the time budget; p = probe (one step of one example); "
                  "ratio = tunedesk tokens/s ÷ this configuration's")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=6, help="optimizer steps per configuration")
    parser.add_argument("--batch", type=int, default=8, help="examples per step")
    parser.add_argument("--val", type=int, default=24, help="validation examples for the loss check")
    parser.add_argument("--budget-s", type=float, default=900, help="stop a configuration after this long")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=CONFIGS)
    parser.add_argument("--workdir", type=Path, default=HERE / ".work" / "train")
    parser.add_argument("--worker", choices=CONFIGS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir = args.workdir.resolve()
    return args


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    raise SystemExit(main())
