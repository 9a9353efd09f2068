"""What a run shows and keeps while it trains: a progress bar, metrics.jsonl, and the loss curve."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformers import TrainerCallback

from tunedesk.progress import Task

if TYPE_CHECKING:
    from transformers import TrainerControl, TrainerState, TrainingArguments

_KEEP = ("loss", "eval_loss", "eval_runtime", "learning_rate", "grad_norm", "epoch")


class RunLog(TrainerCallback):  # type: ignore[misc]
    """Appends every logged step to metrics.jsonl, advances the progress bar, and reports evaluations."""

    def __init__(self, path: Path, task: Task, on_eval: Callable[[dict[str, Any]], None] | None = None,
                 tokens: Callable[[], int] | None = None) -> None:
        self.path, self.task, self.on_eval, self.tokens = path, task, on_eval, tokens
        self.started = time.perf_counter()
        self.last_step = 0

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                       **kwargs: object) -> None:
        """Resumed runs start the bar where the checkpoint was."""
        self.task.advance(state.global_step - self.last_step)
        self.last_step = state.global_step

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kwargs: object) -> None:
        """One optimizer step done."""
        self.task.advance(state.global_step - self.last_step)
        self.last_step = state.global_step

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, Any] | None = None, **kwargs: object) -> None:
        """Keep the numbers that matter, with the time and the tokens seen so far."""
        row = {k: round(v, 6) if isinstance(v, float) else v for k, v in (logs or {}).items() if k in _KEEP}
        if not state.is_world_process_zero or ("loss" not in row and "eval_loss" not in row):
            return  # other ranks, and the end-of-training summary, add nothing new
        row = {"step": state.global_step, **row, "elapsed_s": round(time.perf_counter() - self.started, 1)}
        if self.tokens is not None:
            row["tokens"] = self.tokens()
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        if "eval_loss" in row and self.on_eval:
            self.on_eval(row)


def eval_seconds(metrics: list[dict[str, Any]]) -> float:
    """Seconds spent on validation-loss passes: the sum of their logged runtimes."""
    return round(sum(float(row.get("eval_runtime") or 0.0) for row in metrics if "eval_loss" in row), 3)


def plot_losses(metrics: list[dict[str, Any]], path: Path, title: str) -> Path | None:
    """Training and validation loss against steps as a PNG; None when nothing was logged."""
    train = [(m["step"], m["loss"]) for m in metrics if "loss" in m]
    val = [(m["step"], m["eval_loss"]) for m in metrics if "eval_loss" in m]
    if not train and not val:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    if train:
        ax.plot(*zip(*train, strict=True), label="training loss", color="#4c78a8", linewidth=1.2)
    if val:
        ax.plot(*zip(*val, strict=True), label="validation loss", color="#e45756", marker="o", linewidth=1.6)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (assistant tokens)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
