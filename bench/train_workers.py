"""One configuration of bench/train_throughput.py, run in its own process."""

from __future__ import annotations

import json
import os
import resource
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_DISABLE_TELEMETRY", "1")

MODEL = "smollm2-135m"


class StepClock:
    """Time and tokens at every optimizer step; stops training when the time budget is spent."""

    def __init__(self, trainer: Any, budget_s: float) -> None:
        from transformers import TrainerCallback

        clock = self

        class _Callback(TrainerCallback):  # type: ignore[misc]
            def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                clock.marks.append((time.perf_counter(), int(trainer._total_train_tokens)))
                if clock.marks[-1][0] - clock.start > budget_s:
                    clock.budget_hit = True
                    control.should_training_stop = True

        self.marks: list[tuple[float, int]] = []
        self.budget_hit = False
        self.start = time.perf_counter()
        trainer.add_callback(_Callback())

    def begin(self) -> None:
        """Training starts now."""
        self.start = time.perf_counter()
        self.marks = [(self.start, 0)]

    def tokens_per_s(self) -> float:
        """From the end of the first step on (the first warms up) when three or more steps ran, else from the start."""
        first = 1 if len(self.marks) > 3 else 0
        (t0, n0), (t1, n1) = self.marks[first], self.marks[-1]
        return (n1 - n0) / (t1 - t0)


def worker(config: str, args: Any) -> dict[str, Any]:
    """Train one configuration and measure it."""
    import torch

    torch.manual_seed(args.seed)
    train_path, val_path = args.workdir / "train_subset.jsonl", args.workdir / "val_subset.jsonl"
    if config == "tunedesk":
        trainer, dtype = _tunedesk(train_path, val_path, args)
    else:
        trainer, dtype = _trl(config, train_path, args)
    clock = StepClock(trainer, args.budget_s)
    clock.begin()
    trainer.train()
    model = trainer.model
    return {"config": config, "dtype": dtype, "steps_done": trainer.state.global_step, "budget_hit": clock.budget_hit,
            "tokens": clock.marks[-1][1], "seconds": round(clock.marks[-1][0] - clock.start, 1),
            "tokens_per_s": round(clock.tokens_per_s(), 1), "val_loss": round(reply_loss(model, val_path), 4),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _trl(config: str, train_path: Path, args: Any) -> tuple[Any, str]:
    """A plain SFTTrainer: documentation defaults (+use_cpu) or tuned by hand."""
    from datasets import Dataset
    from peft import LoraConfig
    from train_throughput import LORA
    from trl import SFTConfig, SFTTrainer

    from tunedesk.models.base import load_model, load_tokenizer

    rows = _rows(train_path)
    if config == "trl_default":
        data = Dataset.from_list([{"messages": [{"role": m["role"], "content": m["content"]} for m in r["messages"]]}
                                  for r in rows])
        extra: dict[str, Any] = {}
        dtype = "bf16"  # SFTConfig's default
    else:  # prompt/completion data: the loss on the replies, as TRL's documentation shows for that
        data = Dataset.from_list([{"prompt": r["messages"][:-1], "completion": r["messages"][-1:]} for r in rows])
        dtype = "fp32" if config == "trl_tuned_fp32" else "bf16"
        extra = {"gradient_checkpointing": False, "bf16": dtype == "bf16"}
    out = args.workdir / f"out_{config}"
    shutil.rmtree(out, ignore_errors=True)
    sft = SFTConfig(output_dir=str(out), use_cpu=True, max_steps=args.steps, per_device_train_batch_size=args.batch,
                    learning_rate=2e-4, report_to="none", save_strategy="no", logging_steps=1, seed=args.seed,
                    disable_tqdm=True, **extra)
    import torch

    # tunedesk's loaders give the transformers model and tokenizer typed as its own protocols; TRL wants them as
    # the library's classes, which they are.
    model = cast("PreTrainedModel", load_model(MODEL, torch.float32))
    tokenizer = cast("PreTrainedTokenizerBase", load_tokenizer(MODEL))
    trainer = SFTTrainer(model=model, args=sft, train_dataset=data, processing_class=tokenizer,
                         peft_config=LoraConfig(task_type="CAUSAL_LM", **LORA))
    return trainer, dtype


def _tunedesk(train_path: Path, val_path: Path, args: Any) -> tuple[Any, str]:
    """tunedesk's own trainer, set up as `tunedesk train` sets it up, on the same rows and number of steps."""
    from tunedesk.config import Config
    from tunedesk.models.template import load_template
    from tunedesk.store.runs import Run
    from tunedesk.train import session
    from tunedesk.train.data import encode_file
    from tunedesk.train.setup import resolve_dtype

    template = load_template(MODEL)
    files = {"train": encode_file(train_path, template, 1024)}
    budget = -(-files["train"].tokens // args.steps)  # the same examples over the same number of steps
    config = Config.model_validate({"train": {
        "max_steps": args.steps, "learning_rate": 2e-4, "seed": args.seed, "batch_tokens": budget,
        "micro_batch_tokens": min(budget, 2048), "eval_every": 10_000, "save_every": 10_000,
        "lora": {"r": 16, "alpha": 32, "dropout": 0.05}}})
    dtype = resolve_dtype("auto")
    folder = args.workdir / "out_tunedesk"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    run = Run(folder, {"method": "lora", "base": {"name": MODEL}})
    trainer = session.build_trainer(run, config, dtype, template, files, args.steps)
    return trainer, dtype


def reply_loss(model: Any, val_path: Path) -> float:
    """Mean cross-entropy on the replies of the validation rows (fp32, one example at a time): one evaluator for all."""
    import torch

    from tunedesk.models.template import load_template
    from tunedesk.train.data import encode_file
    from tunedesk.train.trainer import trained_positions_loss

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    base = base.float().eval()
    encoded = encode_file(val_path, load_template(MODEL), 1024).examples
    total, count = 0.0, 0
    with torch.no_grad():
        for e in encoded:
            ids = torch.tensor([e.input_ids])
            hidden = base.model(input_ids=ids).last_hidden_state
            n = e.trained
            total += float(trained_positions_loss(base.lm_head, hidden, torch.tensor([e.labels]))) * n
            count += n
    return total / count
