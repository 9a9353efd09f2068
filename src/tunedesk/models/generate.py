"""Replies for many prompts at once: batched, deterministic, with a confidence signal from token log-probabilities.

Prompts are rendered with the model's own chat template (the one saved with the run), sorted by length and
generated in left-padded batches, so a batch wastes little on padding; the replies come back in the input order.
Greedy at temperature 0; with a temperature, each prompt is sampled with its own seed (`SeededSampler`), so a
reply does not depend on the other prompts of its batch: the server answering one ticket and eval answering it
among others give the same reply.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tunedesk.models.generation import in_length_batches, stop_ids, stop_index
from tunedesk.progress import Reporter, SilentReporter, Task

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
    prompt_tokens: int = 0


def generate(model: CausalLM, tokenizer: Tokenizer, prompts: list[list[dict[str, str]]], *, max_new_tokens: int = 256,
             temperature: float = 0.0, seed: int = 0, seeds: list[int] | None = None, batch_size: int = 8,
             stop_strings: list[str] | None = None, reporter: Reporter | None = None,
             task: Task | None = None) -> tuple[list[Generated], float]:
    """Replies in input order, and the seconds spent generating. `seeds` gives each prompt its own (default:
    `seed` plus its position). Progress goes to `task` when given, else to a task of `reporter`."""
    import torch

    texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
    stops = sorted(stop_ids(model, tokenizer))
    per_prompt = seeds if seeds is not None else [seed + i for i in range(len(prompts))]
    settings = Decoding(max_new_tokens, temperature, stop_strings or [])

    def run_batch(positions: list[int], batch: list[str]) -> list[Generated]:
        return _batch(model, tokenizer, batch, stops, settings, [per_prompt[i] for i in positions])

    started = time.perf_counter()
    with _progress(task, reporter, len(texts)) as advancing, torch.no_grad():
        replies = in_length_batches(texts, batch_size, run_batch, advancing)
    return replies, time.perf_counter() - started


@contextmanager
def _progress(task: Task | None, reporter: Reporter | None, total: int) -> Iterator[Task]:
    if task is not None:
        yield task
        return
    with (reporter or SilentReporter()).task("generate", total=total) as own:
        yield own


@dataclass(frozen=True)
class Decoding:
    """How replies are decoded: their token limit, the sampling temperature (0: greedy) and the stop strings."""

    max_new_tokens: int
    temperature: float
    stop_strings: list[str]


def _batch(model: CausalLM, tokenizer: Tokenizer, texts: list[str], stops: list[int], settings: Decoding,
           seeds: list[int]) -> list[Generated]:
    enc = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
    prompt_length = int(enc["input_ids"].shape[1])
    result = model.generate(**enc, max_new_tokens=settings.max_new_tokens, eos_token_id=stops,
                            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stops[0],
                            output_logits=True, return_dict_in_generate=True,
                            **decoding_options(settings, seeds, prompt_length, tokenizer))
    scores = token_logprobs(model, result)
    new_tokens = result.sequences[:, prompt_length:]
    lengths = enc["attention_mask"].sum(dim=1).tolist()
    return [reply_of(tokenizer, row.tolist(), logp.tolist(), stops, int(length))
            for row, logp, length in zip(new_tokens, scores, lengths, strict=True)]


def decoding_options(settings: Decoding, seeds: list[int], prompt_length: int,
                     tokenizer: Tokenizer) -> dict[str, object]:
    """`generate` options for greedy decoding, or for sampling each row with its own seed (greedy over logits
    perturbed by `SeededSampler`), with the stop strings."""
    from transformers import LogitsProcessorList

    options: dict[str, object] = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    if settings.temperature > 0:
        options["logits_processor"] = LogitsProcessorList([SeededSampler(seeds, settings.temperature,
                                                                         prompt_length)])
    if settings.stop_strings:
        options.update(stop_strings=settings.stop_strings, tokenizer=tokenizer)
    return options


class SeededSampler:
    """Temperature sampling with a seed per row, by the Gumbel-max trick: the next token is the argmax of
    logits / temperature plus Gumbel noise, which is a draw from softmax(logits / temperature). The noise of a row
    comes from a generator seeded with the row's seed and the position in its reply, so the reply depends on its
    own seed only — not on the batch it was generated in, nor on anything else drawing random numbers."""

    def __init__(self, seeds: list[int], temperature: float, prompt_length: int) -> None:
        self.seeds, self.temperature, self.prompt_length = seeds, temperature, prompt_length

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        import torch

        step = int(input_ids.shape[1]) - self.prompt_length
        noise = torch.stack([_gumbel(seed, step, int(scores.shape[1])) for seed in self.seeds]).to(scores.device)
        return scores / self.temperature + noise


def _gumbel(seed: int, step: int, size: int) -> torch.Tensor:
    import torch

    generator = torch.Generator().manual_seed((seed * 1_000_003 + step) % (2**63))
    uniform = torch.rand(size, generator=generator).clamp(1e-20, 1.0 - 1e-7)
    return -torch.log(-torch.log(uniform))


def token_logprobs(model: CausalLM, result: GeneratedBatch) -> torch.Tensor:
    """Log-probabilities of the generated tokens under the model's raw distribution (before temperature or top-k),
    so the confidence signal — and the calibration fitted on it — is the same whatever the sampling settings.
    Needs generate(..., output_logits=True, return_dict_in_generate=True)."""
    return model.compute_transition_scores(result.sequences, result.logits, normalize_logits=True)


def reply_of(tokenizer: Decoder, ids: list[int], logprobs: list[float], stops: list[int],
             prompt_tokens: int = 0) -> Generated:
    """Cut at the first stop token; the stop token's own probability counts (stopping is a decision too)."""
    end = stop_index(ids, set(stops))
    kept = ids[:end] if end is not None else ids
    scored = logprobs[: (end + 1) if end is not None else len(ids)] or [0.0]
    return Generated(text=tokenizer.decode(kept, skip_special_tokens=True).strip(), tokens=len(kept),
                     logprob_mean=sum(scored) / len(scored), logprob_min=min(scored), cut_off=end is None,
                     prompt_tokens=prompt_tokens)
