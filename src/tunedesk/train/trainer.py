"""A thin TRL `SFTTrainer` subclass: token-budget, length-grouped batches and an LM head computed only where the
loss is.

Why: on this model the LM head (hidden 576 → vocabulary 49,152) costs as much as the rest of the forward pass, and
only about a fifth of the tokens of a support example (the reply) carry loss. TRL's fused head scores only the valid
positions on Triton devices and every position elsewhere; here the hidden states are gathered at the trained
positions first, on every device. Everything else — optimizer, schedule, checkpoints, resume, evaluation, early
stopping, accelerate (DDP, FSDP, DeepSpeed) — is the stock trainer's.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any, cast

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from transformers.modeling_outputs import ModelOutput
from trl import SFTTrainer

from tunedesk.train.batching import TokenBudgetSampler
from tunedesk.train.data import IGNORE

if TYPE_CHECKING:
    from datasets import Dataset
    from transformers import PreTrainedModel


def add_trained_positions_head(model: torch.nn.Module) -> None:
    """Patch `model.forward`: with `fused_lm_head=True` it returns only the loss over the labelled positions."""
    original = type(model).forward

    def forward(self: PreTrainedModel, *args: object, fused_lm_head: bool = False, labels: torch.Tensor | None = None,
                num_items_in_batch: torch.Tensor | int | None = None, **kwargs: object) -> ModelOutput:
        if not fused_lm_head:
            if labels is not None:
                kwargs["labels"] = labels
            return original(self, *args, **kwargs)
        if labels is None:
            raise ValueError("fused_lm_head=True needs labels")
        kwargs["use_cache"] = False
        hidden = getattr(self, self.base_model_prefix)(*args, **kwargs).last_hidden_state
        return ModelOutput(loss=trained_positions_loss(self.get_output_embeddings(), hidden, labels,
                                                       num_items_in_batch))

    model.forward = types.MethodType(forward, model)


def trained_positions_loss(lm_head: torch.nn.Module, hidden: torch.Tensor, labels: torch.Tensor,
                           num_items: torch.Tensor | int | None = None) -> torch.Tensor:
    """Next-token cross-entropy summed over labelled positions, divided by `num_items` (all of the step's)."""
    targets = labels[:, 1:].to(hidden.device)
    mask = targets != IGNORE
    logits = lm_head(hidden[:, :-1][mask])
    loss = F.cross_entropy(logits.float(), targets[mask], reduction="sum")
    denominator = mask.sum().clamp(min=1) if num_items is None else num_items
    return loss / torch.as_tensor(denominator, device=loss.device)


class TunedeskTrainer(SFTTrainer):
    """SFTTrainer with token-budget samplers and the trained-positions loss."""

    # Any: SFTTrainer's own arguments, passed on unchanged to its typed __init__.
    def __init__(self, *args: Any, train_lengths: list[int], eval_lengths: list[int] | None, micro_batch_tokens: int,
                 **kwargs: Any) -> None:
        from peft import PeftModel

        self._lengths = {"train": train_lengths, "eval": eval_lengths or []}
        self._micro_batch_tokens = micro_batch_tokens
        super().__init__(*args, **kwargs)
        model = cast("PeftModel | PreTrainedModel", self.model)  # PEFT wraps it for lora, qlora and distill
        # after SFTTrainer's own patch, so ours is the one that runs
        add_trained_positions_head(model.get_base_model() if isinstance(model, PeftModel) else model)

    def _loader(self, dataset: Dataset, split: str) -> DataLoader:
        sampler = TokenBudgetSampler(self._lengths[split], self._micro_batch_tokens, self.args.seed)
        loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=self.data_collator, num_workers=0)
        return self.accelerator.prepare(loader)

    def get_train_dataloader(self) -> DataLoader:
        """Length-grouped micro-batches of at most `micro_batch_tokens` padded tokens."""
        return self._loader(self.train_dataset, "train")

    def get_eval_dataloader(self, eval_dataset: Dataset | None = None) -> DataLoader:
        """The validation set in the same kind of batches."""
        return self._loader(eval_dataset if eval_dataset is not None else self.eval_dataset, "eval")

    def compute_loss(self, model: torch.nn.Module, inputs: dict[str, torch.Tensor], return_outputs: bool = False,
                     num_items_in_batch: torch.Tensor | int | None = None,
                     ) -> torch.Tensor | tuple[torch.Tensor, ModelOutput]:
        """The trained-positions loss; tokens seen are counted for the run record."""
        outputs = model(**inputs, fused_lm_head=True, num_items_in_batch=num_items_in_batch)
        loss = outputs.loss
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes
        if model.training:
            self._total_train_tokens += int(inputs["attention_mask"].sum())
        return (loss, outputs) if return_outputs else loss
