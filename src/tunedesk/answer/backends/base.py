"""The backend contract: what every generating backend offers the server, its errors, and the reply sieve that
keeps streamed text identical to the final reply (trimmed, cut at a stop string)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from tunedesk.answer.types import Completion, GenerationRequest
from tunedesk.config.serve import BackendConfig
from tunedesk.errors import TunedeskError
from tunedesk.progress import Task

__all__ = ["Backend", "BackendError", "BackendTimeout", "BatchBackend", "ModelSource", "ReplySieve", "cut_at_stop",
           "generate_all"]


class BackendError(TunedeskError):
    """The backend cannot give a reply now (failed, unreachable, missing package); the ticket is escalated."""


class BackendTimeout(BackendError):
    """The reply was not finished within `serve.backend.timeout_s`."""


@dataclass(frozen=True)
class ModelSource:
    """What to serve and where it lives, as the server resolved it."""

    workspace_root: Path
    spec: str
    """`base`, a run id (or prefix, or `latest`), a GGUF path, or an upstream's model name."""
    base: str
    """The configured base model (`model.base`)."""
    chat_template: Path | None = None
    """A chat template that replaces the base model's own (`model.chat_template`)."""


@runtime_checkable
class Backend(Protocol):
    """A generating backend; synchronous, the server calls it from a worker thread."""

    name: str
    model_version: str
    """Run id, `base`, the GGUF file name or the upstream's model name: recorded with every reply."""

    @classmethod
    def from_config(cls, cfg: BackendConfig, source: ModelSource) -> Backend:
        """The backend for `serve.backend` and the resolved model; ConfigError or BackendError when it cannot be."""
        ...

    def generate(self, request: GenerationRequest) -> Completion:
        """The whole reply at once."""
        ...

    def stream(self, request: GenerationRequest) -> Iterator[str | Completion]:
        """Text deltas as they are produced, then exactly one Completion (the whole text + logprobs) last."""
        ...

    def close(self) -> None:
        """Free the model or the connection pool; the backend is not used again."""
        ...


@runtime_checkable
class BatchBackend(Backend, Protocol):
    """A backend that generates many replies at once, each exactly as `generate` would give it."""

    def generate_many(self, requests: list[GenerationRequest], task: Task | None = None,
                      batch_size: int = 8) -> list[Completion]:
        """Completions in the order of the requests."""
        ...


def generate_all(backend: Backend, requests: list[GenerationRequest], task: Task | None = None,
                 batch_size: int = 8) -> list[Completion | str]:
    """Completions for many requests (in batches where the backend can), or for each that failed, why: a
    failed generation sends its ticket to a person, it never stops the others."""
    if isinstance(backend, BatchBackend):
        try:
            return list(backend.generate_many(requests, task, batch_size))
        except Exception as exc:  # the whole batch failed
            return [type(exc).__name__] * len(requests)
    out: list[Completion | str] = []
    for request in requests:
        try:
            out.append(backend.generate(request))
        except Exception as exc:
            out.append(type(exc).__name__)
        if task is not None:
            task.advance()
    return out


def cut_at_stop(text: str, stops: list[str]) -> tuple[str, bool]:
    """The text before the earliest stop string (right-trimmed), and whether one was found."""
    found = [i for i in (text.find(stop) for stop in stops if stop) if i >= 0]
    if not found:
        return text, False
    return text[:min(found)].rstrip(), True


class ReplySieve:
    """Turns raw generated pieces into deltas whose concatenation is exactly the final reply: leading and trailing
    whitespace dropped (replies are stripped) and nothing from a stop string on, even when it arrives split."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = [s for s in stops if s]
        self.raw = ""
        self.sent = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        """The part of the reply that is now certain; sets `stopped` once a stop string has appeared."""
        if self.stopped:
            return ""
        self.raw += piece
        text = self.raw.lstrip()
        cut, self.stopped = cut_at_stop(text, self.stops)
        safe = cut if self.stopped else text[:len(text) - self._partial_stop(text)].rstrip()
        return self._advance(safe)

    def finish(self, final_text: str) -> str:
        """The rest of the final reply; empty when what was sent already ends it (or cannot be its beginning)."""
        return self._advance(final_text)

    def _advance(self, safe: str) -> str:
        if len(safe) <= len(self.sent) or not safe.startswith(self.sent):
            return ""
        delta, self.sent = safe[len(self.sent):], safe
        return delta

    def _partial_stop(self, text: str) -> int:
        # Held back: the longest end of the text that could still grow into a stop string.
        return max((n for stop in self.stops for n in range(1, len(stop)) if text.endswith(stop[:n])), default=0)
