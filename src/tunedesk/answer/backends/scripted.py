"""A backend that answers from a script: for tests of the server and the guardrails, and for trying `tunedesk serve`
without a model (`serve.backend.name: scripted`)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Generator, Sequence
from typing import Literal

from tunedesk.answer.backends import register
from tunedesk.answer.backends.base import BackendError, BackendTimeout, ModelSource
from tunedesk.answer.backends.fit import fit_request
from tunedesk.answer.types import Completion, GenerationRequest
from tunedesk.config.serve import BackendConfig

Failure = Literal["error", "hang"]
Script = Sequence[str | Completion] | Callable[[GenerationRequest], str | Completion]

DEFAULT_REPLY = "Thanks for reaching out. A member of our support team will look into this and get back to you."


@register("scripted")
class ScriptedBackend:
    """Replies from a script instead of a model.

    ScriptedBackend(replies=[DEFAULT_REPLY], *, mean_logprob=-0.1, min_logprob=None, delay_s=0.0, failure=None,
                    timeout_s=30.0, model_version="scripted", context_tokens=None)

    - `replies`: a list of replies given in turn (after the last one, the first again), or a callable that gets the
      GenerationRequest and returns the reply. A reply is a string, or a whole Completion returned as it is (to
      script finish_reason "length" or per-reply logprobs).
    - `mean_logprob` / `min_logprob`: the confidence signal put on string replies (min defaults to the mean).
    - `delay_s`: seconds slept before answering (before the first streamed word).
    - `failure`: None answers; "error" raises BackendError; "hang" sleeps `timeout_s + 1` seconds (so past the
      server's deadline) and then raises BackendTimeout. `close()` ends a hang at once. Settable between requests.
    - `context_tokens`: a context window, in tokens counted as words plus 4 a message; a longer prompt is cut to
      it as real backends cut theirs (`answer.backends.fit`). None: nothing is cut.
    - `requests`: every GenerationRequest received (as cut), in order, for tests to inspect (system prompt, ...).

    `stream` yields the reply word by word (each word with the whitespace after it), then the Completion.
    """

    name = "scripted"

    def __init__(self, replies: Script = (DEFAULT_REPLY,), *, mean_logprob: float | None = -0.1,
                 min_logprob: float | None = None, delay_s: float = 0.0, failure: Failure | None = None,
                 timeout_s: float = 30.0, model_version: str = "scripted", context_tokens: int | None = None) -> None:
        if not callable(replies) and not replies:
            raise ValueError("ScriptedBackend needs at least one reply")
        self.replies = replies
        self.mean_logprob = mean_logprob
        self.min_logprob = mean_logprob if min_logprob is None else min_logprob
        self.delay_s = delay_s
        self.failure: Failure | None = failure
        self.timeout_s = timeout_s
        self.model_version = model_version
        self.context_tokens = context_tokens
        self.requests: list[GenerationRequest] = []
        self._closed = threading.Event()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: BackendConfig, source: ModelSource) -> ScriptedBackend:
        """The default script (one polite holding reply) with the configured timeout."""
        return cls(timeout_s=cfg.timeout_s, model_version=cfg.model or "scripted")

    def generate(self, request: GenerationRequest) -> Completion:
        """The next scripted reply, after the delay or the scripted failure."""
        completion = self._next(request)
        self._wait(self.delay_s)
        return completion

    def stream(self, request: GenerationRequest) -> Generator[str | Completion, None, None]:
        """The next scripted reply word by word, then its Completion."""
        completion = self._next(request)
        self._wait(self.delay_s)
        yield from re.findall(r"\s*\S+\s*", completion.text) or ([completion.text] if completion.text else [])
        yield completion

    def close(self) -> None:
        """End any hang in progress; later requests fail."""
        self._closed.set()

    def _next(self, request: GenerationRequest) -> Completion:
        request = fit_request(request, word_tokens, self.context_tokens)
        with self._lock:
            self.requests.append(request)
            turn = len(self.requests) - 1
        if self._closed.is_set():
            raise BackendError("the scripted backend is closed")
        if self.failure == "error":
            raise BackendError("scripted failure")
        if self.failure == "hang":
            self._wait(self.timeout_s + 1.0)
            raise BackendTimeout(f"no reply within {self.timeout_s:g} s (scripted hang)")
        reply = self.replies(request) if callable(self.replies) else self.replies[turn % len(self.replies)]
        if isinstance(reply, Completion):
            return reply
        return Completion(text=reply, finish_reason="stop", completion_tokens=len(reply.split()),
                          mean_logprob=self.mean_logprob, min_logprob=self.min_logprob)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._closed.wait(seconds)


def word_tokens(messages: list[dict[str, str]]) -> int:
    """The scripted backend's token count: words, plus 4 a message for its role and separators."""
    return sum(len(m["content"].split()) + 4 for m in messages)
