"""What every generating stage shares (eval, the distillation teacher, the export self-check): which tokens end a
reply, where a reply ends, and length-sorted batches whose results come back in the input order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from tunedesk.progress import Task

if TYPE_CHECKING:
    from tunedesk.models.protocols import CausalLM, Tokenizer

T = TypeVar("T")


def stop_ids(model: CausalLM, tokenizer: Tokenizer) -> set[int]:
    """Token ids that end a reply: the tokenizer's EOS, the generation config's, and ChatML's end-of-turn."""
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = {tokenizer.eos_token_id, *(configured if isinstance(configured, list) else [configured])}
    end = tokenizer.convert_tokens_to_ids("<|im_end|>") if hasattr(tokenizer, "convert_tokens_to_ids") else None
    if isinstance(end, int) and end != getattr(tokenizer, "unk_token_id", None):
        ids.add(end)
    return {i for i in ids if isinstance(i, int)}


def stop_index(tokens: Sequence[int], stops: set[int]) -> int | None:
    """Where the first stop token is, or None when the reply ran into its token limit."""
    return next((i for i, token in enumerate(tokens) if token in stops), None)


def in_length_batches(texts: list[str], size: int, run_batch: Callable[[list[int], list[str]], list[T]],
                      task: Task) -> list[T]:
    """Run `run_batch(positions, texts)` over batches of similar length (little padding), `positions` being the
    texts' indexes in `texts`, and return the results in the order of `texts`."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[Any] = [None] * len(texts)
    for start in range(0, len(order), size):
        batch = order[start:start + size]
        for index, result in zip(batch, run_batch(batch, [texts[i] for i in batch]), strict=True):
            out[index] = result
        task.advance(len(batch))
    return out
