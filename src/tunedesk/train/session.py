"""One training session: the stock TRL trainer set up from the config, run, and its artifacts saved."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunedesk.config import Config
from tunedesk.config.stages import TrainConfig
from tunedesk.models.template import ChatTemplate
from tunedesk.progress import Reporter
from tunedesk.store.runs import Run
from tunedesk.train.batching import Collator, micro_batches, padding_share
from tunedesk.train.data import EncodedFile
from tunedesk.train.progress import RunLog, eval_seconds, plot_losses
from tunedesk.train.setup import TrainError, accumulation, device_kind, load_base, peft_config
from tunedesk.trainfile.reading import read_rows
from tunedesk.workspace import Workspace

if TYPE_CHECKING:
    from datasets import Dataset
    from trl import SFTConfig

    from tunedesk.train.trainer import TunedeskTrainer


def train(run: Run, config: Config, dtype: str, template: ChatTemplate, files: dict[str, EncodedFile],
          reporter: Reporter, on_eval: Callable[[dict[str, Any]], None] | None, resume: bool) -> None:
    """Build the trainer, train (from the last checkpoint when resuming), save the artifact and the record."""
    from transformers import set_seed

    cfg = config.train
    set_seed(cfg.seed)
    steps, padding = plan(cfg, files["train"])
    trainer = build_trainer(run, config, dtype, template, files, steps)
    checkpoint = last_checkpoint(run.path) if resume else None
    if resume and checkpoint is None:
        raise TrainError(f"run {run.id} has no checkpoint yet: start it again with `tunedesk train --replay {run.id}`")
    started = time.perf_counter()
    with reporter.task(f"train {run.id}", total=steps) as task:
        trainer.add_callback(RunLog(run.path / "metrics.jsonl", task, on_eval, lambda: trainer._total_train_tokens))
        if cfg.eval_at_start and not resume and "val" in files and files["val"].examples:
            trainer.evaluate()  # the starting validation loss, logged at step 0
        try:
            trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        except KeyboardInterrupt:
            run.update(status="stopped", steps=trainer.state.global_step)
            raise TrainError(f"run {run.id} stopped at step {trainer.state.global_step}; continue it with "
                             f"`tunedesk train --resume {run.id}`") from None
    _finish(run, trainer, template, time.perf_counter() - started, steps, padding)


def plan(cfg: TrainConfig, train_file: EncodedFile) -> tuple[int, float]:
    """Optimizer steps the run will take (max_steps, or epochs × micro-batches / accumulation) and the share of
    padding in its batches."""
    lengths = [len(e.input_ids) for e in train_file.examples]
    batches = micro_batches(lengths, cfg.micro_batch_tokens, cfg.seed)
    per_epoch = -(-len(batches) // accumulation(cfg))
    steps = int(cfg.max_steps) if cfg.max_steps else max(1, int(per_epoch * cfg.epochs + 0.999))
    return steps, padding_share(batches, lengths)


def build_trainer(run: Run, config: Config, dtype: str, template: ChatTemplate, files: dict[str, EncodedFile],
             steps: int) -> TunedeskTrainer:
    from datasets import Dataset
    from transformers import EarlyStoppingCallback
    from transformers.trainer_callback import PrinterCallback

    from tunedesk.train.trainer import TunedeskTrainer

    def dataset(f: EncodedFile) -> Dataset:
        return Dataset.from_dict({"input_ids": [e.input_ids for e in f.examples],
                                  "labels": [e.labels for e in f.examples]})

    has_val = "val" in files and bool(files["val"].examples)
    tokenizer = template.tokenizer
    model = load_base(config.model.base, config.train, dtype)
    trainer = TunedeskTrainer(
        model=model, args=_arguments(run, config.train, dtype, steps, has_val), processing_class=tokenizer,
        train_dataset=dataset(files["train"]), eval_dataset=dataset(files["val"]) if has_val else None,
        data_collator=Collator(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
        peft_config=peft_config(config.train), micro_batch_tokens=config.train.micro_batch_tokens,
        train_lengths=[len(e.input_ids) for e in files["train"].examples],
        eval_lengths=[len(e.input_ids) for e in files["val"].examples] if has_val else None,
    )
    trainer.remove_callback(PrinterCallback)  # progress and metrics go through RunLog, not print()
    if has_val and config.train.early_stopping:
        trainer.add_callback(EarlyStoppingCallback(early_stopping_patience=config.train.early_stopping))
    return trainer


def _arguments(run: Run, cfg: TrainConfig, dtype: str, steps: int, has_val: bool) -> SFTConfig:
    from trl import SFTConfig

    early = has_val and cfg.early_stopping is not None
    save_every = cfg.eval_every if early else cfg.save_every  # the best model must be a saved checkpoint
    return SFTConfig(
        output_dir=str(run.path / "checkpoints"), max_steps=steps, learning_rate=cfg.learning_rate,
        lr_scheduler_type="linear", warmup_steps=int(cfg.warmup_ratio * steps), weight_decay=cfg.weight_decay,
        per_device_train_batch_size=1, per_device_eval_batch_size=1, gradient_accumulation_steps=accumulation(cfg),
        seed=cfg.seed, data_seed=cfg.seed, bf16=dtype == "bf16", use_cpu=device_kind() == "cpu",
        gradient_checkpointing=cfg.gradient_checkpointing, torch_compile=cfg.compile,
        eval_strategy="steps" if has_val else "no", eval_steps=cfg.eval_every, save_strategy="steps",
        save_steps=save_every, save_total_limit=cfg.keep_checkpoints, load_best_model_at_end=early,
        metric_for_best_model="eval_loss" if early else None, greater_is_better=False if early else None,
        logging_steps=max(1, min(10, steps // 20)), logging_first_step=True, report_to="none", disable_tqdm=True,
        max_length=None, remove_unused_columns=False, prediction_loss_only=True, dataloader_num_workers=0,
        dataset_kwargs={"skip_prepare_dataset": True}, save_only_model=False,
    )


def last_checkpoint(run_dir: Path) -> Path | None:
    """The newest checkpoint folder of a run."""
    folders = [p for p in (run_dir / "checkpoints").glob("checkpoint-*") if p.name.split("-")[-1].isdigit()]
    return max(folders, key=lambda p: int(p.name.split("-")[-1]), default=None)


def _finish(run: Run, trainer: TunedeskTrainer, template: ChatTemplate, seconds: float, steps: int,
            padding: float) -> None:
    """Save the adapter or model with the tokenizer and template, the loss curve, and the final record."""
    model_dir = run.model_dir
    trainer.save_model(str(model_dir))  # every rank takes part (FSDP gathers the shards); rank 0 writes
    if not trainer.is_world_process_zero():
        return
    tokenizer = template.tokenizer
    text = template.template_text or tokenizer.chat_template
    tokenizer.save_pretrained(str(model_dir))
    if text is None:  # not reached: without a chat template no example could have been encoded
        raise TrainError(f"run {run.id}: no chat template to save with the model")
    (model_dir / "chat_template.jinja").write_text(text, encoding="utf-8")
    metrics = run.metrics()
    plot_losses(metrics, run.path / "loss.png", f"{run.id} ({run.record['method']}, {run.record['base']['name']})")
    run.update(status="completed", finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"), steps=trainer.state.global_step,
               planned_steps=steps, final=_final(trainer, metrics, seconds, padding))


def _final(trainer: TunedeskTrainer, metrics: list[dict[str, Any]], seconds: float, padding: float) -> dict[str, Any]:
    evals = [m["eval_loss"] for m in metrics if "eval_loss" in m]
    start = next((m["eval_loss"] for m in metrics if "eval_loss" in m and m.get("step") == 0), None)
    losses = [m["loss"] for m in metrics if "loss" in m]
    tokens = int(trainer._total_train_tokens)
    validating = min(eval_seconds(metrics), seconds)
    return {
        "train_loss_first": losses[0] if losses else None, "train_loss_last": losses[-1] if losses else None,
        "val_loss_start": start, "val_loss_best": min(evals) if evals else None,
        "val_loss_last": evals[-1] if evals else None, "seconds": round(seconds, 1), "tokens": tokens,
        "eval_seconds": validating, "train_seconds": round(seconds - validating, 3),
        "tokens_per_s": round(tokens / seconds, 1) if seconds else None,
        "padding_share": round(padding, 4),
        "best_checkpoint": trainer.state.best_model_checkpoint,
    }


def distill_file(ws: Workspace, config: Config, train_path: Path, reporter: Reporter) -> Path:
    """The teacher's rewrite of the training file (data/distill/train.jsonl), written before training starts."""
    from tunedesk.train.distill import distill_rows, write_distilled

    read = read_rows(train_path)
    if read.issues:  # never distil part of a file silently
        problem = read.issues[0]
        where = f"{train_path}: line {problem.line}" if problem.line else str(train_path)
        raise TrainError(f"{where}: {problem.message}")
    result = distill_rows([r.data for r in read.rows], config.train.teacher, reporter=reporter)
    out = ws.output_dir("data") / "distill" / "train.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_distilled(result, out)
    return out
