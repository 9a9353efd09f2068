"""Length-grouped micro-batches under a token budget, and the collator that pads them.

Examples of similar length share a micro-batch, so padding is a few percent instead of a third of the compute, and
each micro-batch holds as many examples as fit in `micro_batch_tokens` (a padded rectangle), so short examples are
not trained one small batch at a time. Order is random between groups and deterministic for a seed and epoch.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from tunedesk.train.data import IGNORE

POOL = 64
"""Micro-batches' worth of examples sorted together: large enough to find equal lengths, small enough to mix."""


def micro_batches(lengths: Sequence[int], budget: int, seed: int, epoch: int = 0) -> list[list[int]]:
    """Indexes of the examples, grouped into micro-batches of at most `budget` padded tokens."""
    order = list(range(len(lengths)))
    rng = random.Random(seed * 1_000_003 + epoch)
    rng.shuffle(order)
    per_pool = max(1, budget // max(1, _median(lengths))) * POOL
    batches: list[list[int]] = []
    for start in range(0, len(order), per_pool):
        pool = sorted(order[start:start + per_pool], key=lambda i: lengths[i])
        batches.extend(_fill(pool, lengths, budget))
    rng.shuffle(batches)
    return batches


def _fill(pool: list[int], lengths: Sequence[int], budget: int) -> list[list[int]]:
    """Greedy: add sorted examples while (count × longest) stays within the budget; one long example always fits."""
    out: list[list[int]] = []
    current: list[int] = []
    for index in pool:
        longest = max(lengths[index], max((lengths[i] for i in current), default=0))
        if current and longest * (len(current) + 1) > budget:
            out.append(current)
            current = []
        current.append(index)
    if current:
        out.append(current)
    return out


def _median(values: Sequence[int]) -> int:
    return sorted(values)[len(values) // 2] if values else 1


class TokenBudgetSampler:
    """A batch sampler over micro-batches; `set_epoch` reshuffles (the trainer calls it every epoch)."""

    def __init__(self, lengths: Sequence[int], budget: int, seed: int) -> None:
        self.lengths, self.budget, self.seed, self.epoch = list(lengths), budget, seed, 0
        self._batches = micro_batches(self.lengths, budget, seed, 0)

    def set_epoch(self, epoch: int) -> None:
        """Shuffle for another epoch (the same seed and epoch give the same batches)."""
        if epoch != self.epoch:
            self.epoch = epoch
            self._batches = micro_batches(self.lengths, self.budget, self.seed, epoch)

    def __iter__(self) -> Iterator[list[int]]:
        return iter(list(self._batches))

    def __len__(self) -> int:
        return len(self._batches)


def padding_share(batches: list[list[int]], lengths: Sequence[int]) -> float:
    """Share of padded positions over all positions the model computes."""
    real = sum(lengths[i] for b in batches for i in b)
    total = sum(max(lengths[i] for i in b) * len(b) for b in batches)
    return 1 - real / total if total else 0.0


class Collator:
    """Right-pads a micro-batch: input_ids with the pad id, labels with -100, and an attention mask."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        longest = max(len(f["input_ids"]) for f in features)
        ids = torch.full((len(features), longest), self.pad_id, dtype=torch.long)
        labels = torch.full((len(features), longest), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(features), longest), dtype=torch.long)
        for row, f in enumerate(features):
            n = len(f["input_ids"])
            ids[row, :n] = torch.as_tensor(f["input_ids"])
            labels[row, :n] = torch.as_tensor(f["labels"])
            mask[row, :n] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}
