"""Replies for held-out prompts: batched, deterministic, with a confidence signal from token log-probabilities.

Prompts are rendered with the model's own chat template (the one saved with the run), sorted by length and
generated in left-padded batches, so a batch wastes little on padding; the replies come back in the input order.
Greedy by default; with a temperature, sampling is seeded so the same call gives the same replies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tunedesk.models.generation import in_length_batches, stop_ids, stop_index
from tunedesk.progress import Reporter, SilentReporter

if TYPE_CHECKING:
    import torch

    from tunedesk.models.protocols import CausalLM, Decoder, GeneratedBatch, Tokenizer


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


def generate(model: CausalLM, tokenizer: Tokenizer, prompts: list[list[dict[str, str]]], *, max_new_tokens: int = 256,
             temperature: float = 0.0, seed: int = 0, batch_size: int = 8,
             reporter: Reporter | None = None) -> tuple[list[Generated], float]:
    """Replies in input order, and the seconds spent generating."""
    import torch

    reporter = reporter or SilentReporter()
    texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
    stops = sorted(stop_ids(model, tokenizer))

    def run_batch(start: int, batch: list[str]) -> list[Generated]:
        torch.manual_seed(seed + start)
        return _batch(model, tokenizer, batch, stops, max_new_tokens, temperature)

    started = time.perf_counter()
    with reporter.task("generate", total=len(texts)) as task, torch.no_grad():
        replies = in_length_batches(texts, batch_size, run_batch, task)
    return replies, time.perf_counter() - started


def _batch(model: CausalLM, tokenizer: Tokenizer, texts: list[str], stops: list[int], max_new_tokens: int,
           temperature: float) -> list[Generated]:
    enc = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
    sampling = {"do_sample": True, "temperature": temperature, "top_p": 1.0} if temperature > 0 else \
        {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    result = model.generate(**enc, max_new_tokens=max_new_tokens, eos_token_id=stops,
                            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stops[0],
                            output_logits=True, return_dict_in_generate=True, **sampling)
    scores = token_logprobs(model, result)
    new_tokens = result.sequences[:, enc["input_ids"].shape[1]:]
    return [reply_of(tokenizer, row.tolist(), logp.tolist(), stops)
            for row, logp in zip(new_tokens, scores, strict=True)]


def token_logprobs(model: CausalLM, result: GeneratedBatch) -> torch.Tensor:
    """Log-probabilities of the generated tokens under the model's raw distribution (before temperature or top-k),
    so the confidence signal — and the calibration fitted on it — is the same whatever the sampling settings.
    Needs generate(..., output_logits=True, return_dict_in_generate=True)."""
    return model.compute_transition_scores(result.sequences, result.logits, normalize_logits=True)


def reply_of(tokenizer: Decoder, ids: list[int], logprobs: list[float], stops: list[int]) -> Generated:
    """Cut at the first stop token; the stop token's own probability counts (stopping is a decision too)."""
    end = stop_index(ids, set(stops))
    kept = ids[:end] if end is not None else ids
    scored = logprobs[: (end + 1) if end is not None else len(ids)] or [0.0]
    return Generated(text=tokenizer.decode(kept, skip_special_tokens=True).strip(), tokens=len(kept),
                     logprob_mean=sum(scored) / len(scored), logprob_min=min(scored), cut_off=end is None)
