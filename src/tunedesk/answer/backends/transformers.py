"""The in-process backend: a base model or a training run through transformers. One request or many, streamed or
not, a reply is decoded the same way (`models.generate`: greedy, or sampled with the request's own seed) and
carries the same confidence signal, so eval's batches give exactly the replies the server gives one by one."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, cast

from tunedesk.answer.backends import register
from tunedesk.answer.backends.base import BackendError, BackendTimeout, ModelSource, ReplySieve, cut_at_stop
from tunedesk.answer.backends.fit import fit_request
from tunedesk.answer.types import Completion, GenerationRequest
from tunedesk.config.serve import BackendConfig
from tunedesk.models.candidate import Candidate, load_candidate
from tunedesk.models.generate import Decoding, Generated, decoding_options, generate, reply_of, token_logprobs
from tunedesk.models.generation import stop_ids
from tunedesk.progress import Task

if TYPE_CHECKING:
    import torch
    from transformers import BatchEncoding, PreTrainedTokenizerBase, TextIteratorStreamer

    from tunedesk.models.protocols import CausalLM, GeneratedBatch, Tokenizer


@register("transformers")
class TransformersBackend:
    """A loaded candidate (base or run, adapter merged); one generation at a time on its model."""

    name = "transformers"

    def __init__(self, candidate: Candidate, *, timeout_s: float = 30.0) -> None:
        self._candidate: Candidate | None = candidate  # None once closed
        self.tokenizer = candidate.tokenizer
        self.model_version = candidate.name
        self.timeout_s = timeout_s
        self.stops = sorted(stop_ids(candidate.model, candidate.tokenizer))
        self.context_tokens = context_window(candidate)
        # The server bounds concurrency; the lock keeps one model safe from two generate calls anyway.
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: BackendConfig, source: ModelSource) -> TransformersBackend:
        """Load `base` or a run (id, prefix or `latest`) as eval does."""
        candidate = load_candidate(source.workspace_root, source.spec, source.base, source.chat_template)
        return cls(candidate, timeout_s=cfg.timeout_s)

    @property
    def candidate(self) -> Candidate:
        """The loaded model and tokenizer; a BackendError once the backend is closed."""
        if self._candidate is None:
            raise BackendError("the transformers backend is closed")
        return self._candidate

    def generate(self, request: GenerationRequest) -> Completion:
        """The whole reply, with eval's logprob mean and minimum."""
        inputs = self._encode(request)
        started = time.monotonic()
        model = self._acquire()
        try:
            return self._completion(model, inputs, self._run(model, inputs, request), request, started)
        finally:
            self._lock.release()

    def generate_many(self, requests: list[GenerationRequest], task: Task | None = None,
                      batch_size: int = 8) -> list[Completion]:
        """Many replies in length-sorted batches, each exactly as `generate` gives it (no time limit: eval's way)."""
        groups: dict[tuple[int, float, tuple[str, ...]], list[int]] = {}
        requests = [self._fitted(r) for r in requests]
        for index, request in enumerate(requests):
            groups.setdefault((request.max_new_tokens, request.temperature, tuple(request.stop)), []).append(index)
        out: list[Completion | None] = [None] * len(requests)
        model = self._acquire()
        try:
            for (max_new, temperature, stop), indexes in groups.items():
                replies, _ = generate(model, self.tokenizer, [requests[i].messages for i in indexes],
                                      max_new_tokens=max_new, temperature=temperature, batch_size=batch_size,
                                      seeds=[requests[i].seed or 0 for i in indexes], stop_strings=list(stop),
                                      task=task)
                for index, reply in zip(indexes, replies, strict=True):
                    out[index] = _completion_of(reply, requests[index])
        finally:
            self._lock.release()
        return [c for c in out if c is not None]

    def stream(self, request: GenerationRequest) -> Generator[str | Completion, None, None]:
        """Deltas from transformers' TextIteratorStreamer (generation runs in a thread), then the Completion."""
        from transformers import TextIteratorStreamer

        inputs = self._encode(request)
        # the candidate's tokenizer is a transformers tokenizer, known here by the slice tunedesk uses of it
        streamer = TextIteratorStreamer(cast("PreTrainedTokenizerBase", self.tokenizer), skip_prompt=True,
                                        skip_special_tokens=True, timeout=self.timeout_s)
        cancel = threading.Event()
        outcome: dict[str, Any] = {}  # the worker's result or exception
        started = time.monotonic()
        model = self._acquire()
        worker = threading.Thread(target=self._run_into, args=(model, inputs, request, streamer, cancel, outcome),
                                  name="tunedesk-generate", daemon=True)
        try:
            worker.start()
            sieve = ReplySieve(request.stop)
            for delta in map(sieve.feed, _pieces(streamer)):
                if delta:
                    yield delta
            worker.join()
            if "error" in outcome:
                raise outcome["error"]
            completion = self._completion(model, inputs, outcome["result"], request, started)
            rest = sieve.finish(completion.text)
            if rest:
                yield rest
            yield completion
        finally:
            cancel.set()  # a consumer that stopped reading must not leave the model generating
            if worker.ident is not None:
                worker.join()
            self._lock.release()

    def close(self) -> None:
        """Let go of the model (the candidate may be shared: it is left as it is); later requests fail."""
        with self._lock:
            self._candidate = None

    def _acquire(self) -> CausalLM:
        """Take the lock and return the model to generate with (the caller releases the lock)."""
        if not self._lock.acquire(timeout=self.timeout_s):
            raise BackendTimeout(f"the model stayed busy for {self.timeout_s:g} s")
        if self._candidate is None:
            self._lock.release()
            raise BackendError("the transformers backend is closed")
        return self._candidate.model

    def _encode(self, request: GenerationRequest) -> BatchEncoding[torch.Tensor]:
        return self.tokenizer(self._render(self._fitted(request).messages), return_tensors="pt",
                              add_special_tokens=False)

    def _fitted(self, request: GenerationRequest) -> GenerationRequest:
        """The request cut to the model's context less its max_new_tokens."""
        return fit_request(request, self._count, self.context_tokens)

    def _count(self, messages: list[dict[str, str]]) -> int:
        return len(self.tokenizer(self._render(messages), add_special_tokens=False)["input_ids"])

    def _render(self, messages: list[dict[str, str]]) -> str:
        try:
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        except Exception as exc:  # a template may raise on roles it does not know
            raise BackendError(f"the chat template cannot render this conversation: {exc}") from None

    def _run_into(self, model: CausalLM, inputs: BatchEncoding[torch.Tensor], request: GenerationRequest,
                  streamer: TextIteratorStreamer, cancel: threading.Event, outcome: dict[str, Any]) -> None:
        try:
            outcome["result"] = self._run(model, inputs, request, streamer=streamer, cancel=cancel)
        except BaseException as exc:  # handed to the consumer's thread, which raises it
            outcome["error"] = exc
            streamer.end()

    def _run(self, model: CausalLM, inputs: BatchEncoding[torch.Tensor], request: GenerationRequest,
             streamer: TextIteratorStreamer | None = None, cancel: threading.Event | None = None) -> GeneratedBatch:
        import torch
        from transformers import StoppingCriteriaList

        # Exactly the batches' decoding (models.generate), so a reply is the same alone or among others.
        options = decoding_options(Decoding(request.max_new_tokens, request.temperature, request.stop),
                                   [request.seed or 0], int(inputs["input_ids"].shape[1]), self.tokenizer)
        criteria = StoppingCriteriaList([_Cancelled(cancel)] if cancel is not None else [])
        try:
            with torch.no_grad():  # grad mode is per thread: the worker thread needs its own
                return model.generate(**inputs.to(model.device), max_new_tokens=request.max_new_tokens,
                                      eos_token_id=self.stops, pad_token_id=_pad_id(self.tokenizer, self.stops),
                                      output_logits=True, return_dict_in_generate=True, streamer=streamer,
                                      max_time=self.timeout_s, stopping_criteria=criteria, **options)
        except Exception as exc:
            raise BackendError(f"generation failed: {exc}") from None

    def _completion(self, model: CausalLM, inputs: BatchEncoding[torch.Tensor], result: GeneratedBatch,
                    request: GenerationRequest, started: float) -> Completion:
        if time.monotonic() - started >= self.timeout_s:
            raise BackendTimeout(f"no reply within {self.timeout_s:g} s")
        scores = token_logprobs(model, result)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        reply = reply_of(self.tokenizer, result.sequences[0, prompt_tokens:].tolist(), scores[0].tolist(), self.stops,
                         prompt_tokens)
        return _completion_of(reply, request)


def context_window(candidate: Candidate) -> int | None:
    """The model's context in tokens: its position embeddings, or the tokenizer's limit when that is smaller
    (None when neither says)."""
    config = getattr(candidate.model, "config", None)
    limits = [getattr(config, "max_position_embeddings", None), getattr(candidate.tokenizer, "model_max_length", None)]
    known = [int(n) for n in limits if isinstance(n, int) and 0 < n < 10_000_000]  # transformers' "no limit" is 1e30
    return min(known) if known else None


def _completion_of(reply: Generated, request: GenerationRequest) -> Completion:
    """A generated reply as a Completion: cut at the request's first stop string."""
    text, stopped = cut_at_stop(reply.text, request.stop)
    return Completion(text=text, finish_reason="stop" if stopped or not reply.cut_off else "length",
                      prompt_tokens=reply.prompt_tokens, completion_tokens=reply.tokens,
                      mean_logprob=reply.logprob_mean, min_logprob=reply.logprob_min)


class _Cancelled:
    """A stopping criterion: ends generation once the stream's consumer has gone."""

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: object) -> torch.Tensor:
        import torch

        return torch.full((input_ids.shape[0],), self.cancel.is_set(), dtype=torch.bool, device=input_ids.device)


def _pieces(streamer: TextIteratorStreamer) -> Iterator[str]:
    try:
        yield from streamer
    except queue.Empty:
        raise BackendTimeout("the model produced nothing for too long") from None


def _pad_id(tokenizer: Tokenizer, stops: list[int]) -> int:
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stops[0]
