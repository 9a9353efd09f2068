"""One measurement of bench/epoch_cost.py, run in its own process: tunedesk's trainer, a few steps, tokens/s."""

from __future__ import annotations

import os
import resource
import shutil
import time
from pathlib import Path
from typing import Any, cast

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_DISABLE_TELEMETRY", "1")

MODEL = "smollm2-135m"
SMOLLM2_360M = {"hidden_size": 960, "num_hidden_layers": 32, "num_attention_heads": 15, "num_key_value_heads": 5,
                "intermediate_size": 2560, "head_dim": 64}
"""SmolLM2-360M's shape (the rest — vocabulary 49,152, tied embeddings, RMSNorm, RoPE — is SmolLM2-135M's):
hidden 960, 32 layers, 15 heads of 64, 5 KV heads, MLP 2560; 361.8M parameters, which is the 723,674,912-byte bf16
safetensors file of the published model."""
LEARNING_RATE = {"full": 2e-5, "lora": 2e-4}


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Train `spec['steps']` optimizer steps of one variant × method × size and measure them."""
    import torch
    from train_workers import StepClock

    from tunedesk.models.template import load_template
    from tunedesk.store.runs import Run
    from tunedesk.train import session
    from tunedesk.train.data import encode_file
    from tunedesk.train.setup import resolve_dtype

    torch.manual_seed(spec["seed"])
    template = load_template(MODEL)
    files = {"train": encode_file(Path(spec["train"]), template, spec["max_length"])}
    config = _config(spec)
    dtype = resolve_dtype("auto")
    if spec["size"] == "360m":
        session.load_base = _random_360m  # type: ignore[assignment]  # the real architecture, random weights
    folder = Path(spec["out"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    run = Run(folder, {"method": spec["method"], "base": {"name": MODEL}})
    trainer = session.build_trainer(run, config, dtype, template, files, spec["steps"])
    weights = list(cast("torch.nn.Module", trainer.model).parameters())
    params: int = sum(w.numel() for w in weights)
    trainable: int = sum(w.numel() for w in weights if w.requires_grad)
    clock = StepClock(trainer, spec["budget_s"])
    cpu = _cpu_clock(trainer)
    clock.begin()
    cpu[0] = time.process_time()
    trainer.train()
    shutil.rmtree(folder, ignore_errors=True)  # nothing of a benchmark run is kept
    return {"dtype": dtype, "steps_done": trainer.state.global_step, "budget_hit": clock.budget_hit,
            "tokens": clock.marks[-1][1], "seconds": round(clock.marks[-1][0] - clock.start, 1),
            "tokens_per_s": round(clock.tokens_per_s(), 1), "tokens_per_cpu_s": _per_cpu_s(clock.marks, cpu),
            "threads": torch.get_num_threads(), "parameters": params, "trainable": trainable,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _cpu_clock(trainer: Any) -> list[float]:
    """This process's CPU seconds at the end of every step: less sensitive than wall time to other work on the
    machine (it still counts the threads' spinning and cache misses)."""
    from transformers import TrainerCallback

    marks = [time.process_time()]

    class _Callback(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            marks.append(time.process_time())

    trainer.add_callback(_Callback())
    return marks


def _per_cpu_s(marks: list[tuple[float, int]], cpu: list[float]) -> float | None:
    """Tokens per CPU second over the same steps as StepClock.tokens_per_s (the first excluded when 3+ ran)."""
    if len(cpu) != len(marks) or len(marks) < 2:
        return None
    first = 1 if len(marks) > 3 else 0
    spent = cpu[-1] - cpu[first]
    return round((marks[-1][1] - marks[first][1]) / spent, 1) if spent > 0 else None


def _config(spec: dict[str, Any]) -> Any:
    """tunedesk's train config for a measurement: one micro-batch a step, no evaluation, no checkpoint."""
    from tunedesk.config import Config

    return Config.model_validate({"train": {
        "method": spec["method"], "max_steps": spec["steps"], "learning_rate": LEARNING_RATE[spec["method"]],
        "seed": spec["seed"], "batch_tokens": spec["step_tokens"], "micro_batch_tokens": spec["step_tokens"],
        "eval_every": 10_000, "save_every": 10_000}})


def _random_360m(name: str, cfg: Any, dtype: str) -> Any:
    """A randomly initialised SmolLM2-360M in the dtype tunedesk's `load_base` would give it."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from tunedesk.models.base import model_folder

    config = AutoConfig.from_pretrained(str(model_folder(name)), local_files_only=True)
    for key, value in SMOLLM2_360M.items():
        setattr(config, key, value)
    keep_fp32 = cfg.method == "full" or dtype != "bf16"  # full fine-tuning keeps fp32 master weights
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32 if keep_fp32 else torch.bfloat16)
