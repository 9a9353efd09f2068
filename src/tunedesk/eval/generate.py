"""Replies for held-out prompts: batched, deterministic, with a confidence signal from token log-probabilities.

Prompts are rendered with the model's own chat template (the one saved with the run), sorted by length and
generated in left-padded batches, so a batch wastes little on padding; the replies come back in the input order.
Greedy by default; with a temperature, sampling is seeded so the same call gives the same replies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tunedesk.ui import Reporter, SilentReporter


@dataclass
class Generated:
    """One reply and what the model thought of it."""

    text: str
    tokens: int
    logprob_mean: float
    """Mean log-probability of the reply's tokens: the raw confidence signal calibrated by eval."""
    logprob_min: float
    cut_off: bool
    """True when the reply hit max_new_tokens without an end-of-turn token."""


def stop_ids(model: Any, tokenizer: Any) -> list[int]:
    """Token ids that end a reply: the tokenizer's EOS, the generation config's, and ChatML's end-of-turn."""
    ids = {tokenizer.eos_token_id}
    configured = getattr(model.generation_config, "eos_token_id", None)
    ids.update(configured if isinstance(configured, list) else [configured])
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(end, int) and end != tokenizer.unk_token_id:
        ids.add(end)
    return sorted(i for i in ids if isinstance(i, int))


def generate(model: Any, tokenizer: Any, prompts: list[list[dict[str, str]]], *, max_new_tokens: int = 256,
             temperature: float = 0.0, seed: int = 0, batch_size: int = 8,
             reporter: Reporter | None = None) -> tuple[list[Generated], float]:
    """Replies in input order, and the seconds spent generating."""
    import torch

    reporter = reporter or SilentReporter()
    texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[Generated | None] = [None] * len(texts)
    stops = stop_ids(model, tokenizer)
    started = time.perf_counter()
    with reporter.task("generate", total=len(texts)) as task, torch.no_grad():
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            torch.manual_seed(seed + start)
            for index, reply in zip(batch, _batch(model, tokenizer, [texts[i] for i in batch], stops,
                                                  max_new_tokens, temperature), strict=True):
                out[index] = reply
            task.advance(len(batch))
    return [g for g in out if g is not None], time.perf_counter() - started


def _batch(model: Any, tokenizer: Any, texts: list[str], stops: list[int], max_new_tokens: int,
           temperature: float) -> list[Generated]:
    enc = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
    sampling = {"do_sample": True, "temperature": temperature, "top_p": 1.0} if temperature > 0 else \
        {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    result = model.generate(**enc, max_new_tokens=max_new_tokens, eos_token_id=stops,
                            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stops[0],
                            output_scores=True, return_dict_in_generate=True, **sampling)
    scores = model.compute_transition_scores(result.sequences, result.scores, normalize_logits=True)
    new_tokens = result.sequences[:, enc["input_ids"].shape[1]:]
    return [_reply(tokenizer, row.tolist(), logp.tolist(), stops) for row, logp in zip(new_tokens, scores, strict=True)]


def _reply(tokenizer: Any, ids: list[int], logprobs: list[float], stops: list[int]) -> Generated:
    """Cut at the first stop token; the stop token's own probability counts (stopping is a decision too)."""
    end = next((i for i, t in enumerate(ids) if t in stops), None)
    kept = ids[:end] if end is not None else ids
    scored = logprobs[: (end + 1) if end is not None else len(ids)] or [0.0]
    return Generated(text=tokenizer.decode(kept, skip_special_tokens=True).strip(), tokens=len(kept),
                     logprob_mean=sum(scored) / len(scored), logprob_min=min(scored), cut_off=end is None)
