"""Time and cost per phase of the engagement: ingest/clean/build, the calibration runs, the full run and the eval,
from the corpus's tokens and a training throughput (measured in this workspace's runs when one matches, else the
catalogue's estimate for the target), each labelled with where its number comes from."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from tunedesk.brief.catalogue import TARGETS, by_name, reply_seconds
from tunedesk.brief.selection import Deployment
from tunedesk.config import Config
from tunedesk.store.runs import Run, list_runs
from tunedesk.validate.estimate import CPU_LORA_TOKENS_PER_S, FLOPS_PER_TOKEN, MFU, REFERENCE_PARAMS

DATA_RATES = {"ingest": 6880.0, "clean": 1950.0, "build": 990.0}
"""Tickets per second measured by bench/clean_throughput.py and bench/build_throughput.py on 2 CPU cores."""
DEFAULT_CALIBRATION_SHARES = (0.1, 0.2, 0.4)
CALIBRATION_VAL_PASSES = 1
"""A calibration run validates once, at its last step (eval/calibrate.py trains it with eval_every at its own
steps and no pass at the start); it is then scored on the validation split, which the eval phase does not count."""
QLORA_SLOWDOWN = 1.3
"""QLoRA computes like LoRA plus dequantising the 4-bit base on every pass."""


def measured_throughput(root: Path, model: str, method: str) -> dict[str, Any] | None:
    """The newest completed run in the workspace with this base model and method: its training tokens/s (its
    validation-loss passes taken out when the run recorded them) and its seconds per validation pass."""
    run = _newest_run(root, model, method)
    return _measured(run) if run else None


def _newest_run(root: Path, model: str, method: str) -> Run | None:
    """The newest completed run with this base model and method (one that recorded its speed)."""
    for run in reversed(list_runs(root)):
        record = run.record
        base = (record.get("base") or {}).get("name") or ""
        entry = by_name(str(base)) or by_name(Path(str(base)).name)
        if entry and entry.name == model and record.get("method") == method and _final(run).get("tokens_per_s"):
            return run
    return None


def _final(run: Run) -> dict[str, Any]:
    return run.record.get("final") or {}


def _wall_clock(run: Run) -> bool:
    """Whether the run was recorded before training and validation seconds were kept apart: its rate then counts
    its validation passes as training."""
    final = _final(run)
    return not (final.get("tokens") and final.get("train_seconds"))


def _measured(run: Run) -> dict[str, Any]:
    """A run's speed on its training steps alone, and its time per validation pass; a run recorded before the two
    were kept apart gives its wall-clock rate, which counts its passes as training (no time per pass, then)."""
    final = _final(run)
    if _wall_clock(run):
        return {"tokens_per_s": float(final["tokens_per_s"]), "seconds_per_val_pass": None,
                "source": f"measured: runs/{run.id} (wall clock, validation passes included)"}
    passes = sum(1 for row in run.metrics() if "eval_loss" in row)
    per_pass = round(float(final.get("eval_seconds") or 0) / passes, 1) if passes else None
    return {"tokens_per_s": round(final["tokens"] / final["train_seconds"], 1), "seconds_per_val_pass": per_pass,
            "source": f"measured: runs/{run.id} (training steps only; validation passes timed apart)"}


def estimated_throughput(params: float, method: str, dep: Deployment) -> dict[str, Any]:
    """Training tokens/s on the target from its peak FLOPs (GPU) or the measured CPU rate scaled by size (cpu)."""
    k = FLOPS_PER_TOKEN["full" if method == "full" else "lora"]
    slow = QLORA_SLOWDOWN if method == "qlora" else 1.0
    if dep.target.name == "cpu":
        rate = CPU_LORA_TOKENS_PER_S * REFERENCE_PARAMS / params * FLOPS_PER_TOKEN["lora"] / k
        basis = (f"estimate: {CPU_LORA_TOKENS_PER_S:g} tokens/s measured for LoRA of the 135M default on 2 CPU "
                 f"cores, scaled by 135M/N and by {k}/4 FLOPs")
    else:
        gpus = dep.gpus if dep.target.name == "multi-gpu" else 1
        rate = dep.target.tflops * 1e12 * MFU * gpus / (k * params) / slow
        basis = (f"estimate: {dep.target.tflops:g} TFLOPs × {gpus} GPU(s) at {MFU:.0%} utilisation, {k}·N FLOPs per "
                 "token" + (f", QLoRA ×{QLORA_SLOWDOWN} slower" if slow > 1 else ""))
    return {"tokens_per_s": round(rate, 1), "seconds_per_val_pass": None, "source": basis}


def run_tokens(config: Config, train_tokens: int) -> int:
    """Tokens a full run trains on: max_steps × batch_tokens when set, else epochs × the training split."""
    if config.train.max_steps:
        return config.train.max_steps * config.train.batch_tokens
    return round(config.train.epochs * train_tokens)


def calibration_shares(config: Config) -> tuple[float, ...]:
    """The calibration runs' shares of the full run (train.calibration.shares when configured)."""
    calibration = getattr(config.train, "calibration", None)
    shares = getattr(calibration, "shares", None)
    return tuple(shares) if shares else DEFAULT_CALIBRATION_SHARES


def phase_estimates(ws_root: Path, config: Config, inv: dict[str, Any], dep: Deployment, model: str,
                    method: str) -> dict[str, Any]:
    """Hours (and cost, when a GPU-hour price is configured) of every phase, with the basis of each figure."""
    entry = by_name(model)
    params = entry.params if entry else REFERENCE_PARAMS
    train_method = "lora" if method in ("distill", "none") else method
    run = _newest_run(ws_root, model, method)
    speed = _measured(run) if run else estimated_throughput(params, train_method, dep)
    tokens = _train_tokens(inv)
    phases = [_data_phase(inv)]
    if tokens is None:
        phases += [_unknown("calibration runs"), _unknown("full run")]
    else:
        per_pass = _seconds_per_pass(speed, inv, counted=run is not None and _wall_clock(run))
        phases += _training_phases(config, run_tokens(config, tokens), speed, per_pass)
    phases.append(_eval_phase(inv, config, dep, params))
    cost = config.deployment.cost_per_gpu_hour
    for p in phases:
        units = max(1, dep.gpus)
        p["cost"] = round(p["hours"] * units * cost, 2) if cost is not None and p["hours"] is not None else None
    return {"throughput": speed, "phases": phases, "cost_per_gpu_hour": cost,
            "total_hours": round(sum(p["hours"] or 0 for p in phases), 2)}


def _training_phases(config: Config, full: int, speed: dict[str, Any], per_pass: tuple[float, str]
                     ) -> list[dict[str, Any]]:
    """The calibration runs and the full run: their tokens at the training speed plus their validation passes."""
    shares = calibration_shares(config)
    steps = max(1, math.ceil(full / config.train.batch_tokens))

    def seconds(tokens: float, passes: int) -> float:
        return tokens / speed["tokens_per_s"] + passes * per_pass[0]

    basis = speed["source"] + per_pass[1]
    calibrating = sum(seconds(s * full, CALIBRATION_VAL_PASSES) for s in shares)
    return [_phase("calibration runs", calibrating, basis,
                   f"{len(shares)} runs on {', '.join(f'{s:.0%}' for s in shares)} of {full:,} tokens"),
            _phase("full run", seconds(full, config.train.val_passes(steps)), basis, f"{full:,} tokens")]


def _seconds_per_pass(speed: dict[str, Any], inv: dict[str, Any], counted: bool) -> tuple[float, str]:
    """Seconds per validation-loss pass, and what to add to the basis: none without a validation split or when the
    rate already `counted` the passes (a wall-clock rate); the time the measured run took per pass; else the
    validation split's tokens at a third of the training time per token (a forward pass, no backward)."""
    if counted or not ((inv.get("card") or {}).get("examples") or {}).get("val"):
        return 0.0, ""
    if speed.get("seconds_per_val_pass") is not None:
        return float(speed["seconds_per_val_pass"]), ""
    val = (((inv.get("card") or {}).get("tokens") or {}).get("val") or {}).get("tokens") or 0
    seconds = val / (3 * speed["tokens_per_s"])
    return seconds, f"; validation passes: {val:,} tokens each at 3× the training rate" if val else ""


def _train_tokens(inv: dict[str, Any]) -> int | None:
    stats = ((inv.get("card") or {}).get("tokens") or {}).get("train") or {}
    return stats.get("tokens")


def _phase(name: str, seconds: float, basis: str, detail: str) -> dict[str, Any]:
    return {"phase": name, "hours": round(seconds / 3600, 5), "basis": basis, "detail": detail}


def _unknown(name: str) -> dict[str, Any]:
    return {"phase": name, "hours": None, "basis": "needs the dataset card's token counts: run `tunedesk build`",
            "detail": ""}


def _data_phase(inv: dict[str, Any]) -> dict[str, Any]:
    store = inv.get("store") or {}
    measured = store.get("stage_seconds") or {}
    if all(s in measured for s in ("ingest", "clean", "build")):
        seconds = sum(measured[s] for s in ("ingest", "clean", "build"))
        return _phase("ingest, clean, build", seconds, "measured: the stages' last runs in this workspace",
                      f"{store.get('tickets', 0):,} tickets")
    tickets = store.get("tickets") or 0
    if not tickets:
        return _unknown("ingest, clean, build") | {"basis": "needs tickets in the store: run `tunedesk ingest`"}
    seconds = sum(tickets / rate for rate in DATA_RATES.values())
    return _phase("ingest, clean, build", seconds, "estimate: the bench rates on 2 CPU cores (tickets/s: "
                  + ", ".join(f"{k} {v:,.0f}" for k, v in DATA_RATES.items()) + ")", f"{tickets:,} tickets")


def _eval_phase(inv: dict[str, Any], config: Config, dep: Deployment, params: float) -> dict[str, Any]:
    """The candidate and the untuned base answer every held-out ticket, one at a time (an upper bound)."""
    examples = (inv.get("card") or {}).get("examples") or {}
    holdout = examples.get("holdout")
    if not holdout:
        return _unknown("eval")
    items = min(holdout, config.eval.limit) if config.eval.limit else holdout
    val = examples.get("val", 0)
    per_reply = reply_seconds(params, dep.prompt_tokens, dep.reply_tokens, TARGETS[dep.target.name], dep.gpus)
    seconds = per_reply * (2 * items + val)
    return _phase("eval", seconds, f"estimate: {per_reply:g} s per reply on {dep.target.name}, one at a time",
                  f"{items} held-out tickets × 2 models + {val} validation tickets for calibration")
