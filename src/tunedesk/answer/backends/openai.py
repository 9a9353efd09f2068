"""Any OpenAI-compatible upstream (vLLM, Ollama, a llama.cpp server, a hosted API) over httpx.

The confidence is the mean of the log-probabilities the upstream returns for the reply's tokens. Upstreams leave the
stop token out of that list, while eval counts it, so the mean differs slightly from eval's; an upstream that
refuses logprobs is asked again without them (and not asked for them again), and its replies carry no confidence.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from tunedesk.answer.backends import register
from tunedesk.answer.backends.base import BackendError, BackendTimeout, ModelSource, ReplySieve
from tunedesk.answer.types import Completion, GenerationRequest
from tunedesk.config.serve import BackendConfig
from tunedesk.errors import ConfigError

EXCERPT_CHARS = 300
# Statuses with which upstreams refuse a parameter they do not support (logprobs on some servers and models).
REFUSED = (400, 422)
T = TypeVar("T")


@register("openai")
class OpenAIBackend:
    """POST {base_url}/chat/completions, with logprobs while the upstream accepts them."""

    name = "openai"

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout_s: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=httpx.Timeout(timeout_s),
                                   transport=transport)
        self.model_version = model
        self.timeout_s = timeout_s
        self.logprobs = True
        """False once the upstream has refused logprobs."""

    @classmethod
    def from_config(cls, cfg: BackendConfig, source: ModelSource) -> OpenAIBackend:
        """The upstream at `serve.backend.base_url`, its key read from the variable `serve.backend.api_key_env`."""
        problems = []
        if not cfg.base_url:
            problems.append("serve.backend.base_url: backend openai needs the upstream's URL, "
                            "e.g. http://localhost:8000/v1")
        api_key = os.environ.get(cfg.api_key_env) if cfg.api_key_env else None
        if cfg.api_key_env and not api_key:
            problems.append(f"serve.backend.api_key_env: the environment variable {cfg.api_key_env} is not set")
        if problems:
            raise ConfigError("serve.backend", problems)
        assert cfg.base_url is not None
        return cls(cfg.base_url, cfg.model or source.spec, api_key=api_key, timeout_s=cfg.timeout_s)

    def generate(self, request: GenerationRequest) -> Completion:
        """The whole reply in one response."""
        deadline = time.monotonic() + self.timeout_s
        with self._response(request, stream=False) as response:
            body = b"".join(_within(response.iter_bytes(), deadline, self.timeout_s))
        data = _json(body.decode("utf-8", errors="replace"), "response")
        try:
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise BackendError(f"the upstream's response has no reply: {_excerpt(data)}") from None
        usage = data.get("usage") or {}
        return _completion(text, choice.get("finish_reason"), _logprobs(choice), usage)

    def stream(self, request: GenerationRequest) -> Generator[str | Completion, None, None]:
        """Deltas from the upstream's server-sent events, then the Completion."""
        deadline = time.monotonic() + self.timeout_s
        parts: list[str] = []
        logprobs: list[float] | None = None
        finish, done = None, False
        usage: dict[str, Any] = {}
        sieve = ReplySieve([])  # replies are stripped: the deltas must add up to exactly that
        with self._response(request, stream=True) as response:
            for payload in _sse_data(_within(response.iter_lines(), deadline, self.timeout_s)):
                if payload == "[DONE]":
                    done = True
                    break
                chunk = _json(payload, "stream event")
                usage = chunk.get("usage") or usage
                for choice in chunk.get("choices") or []:
                    delta = (choice.get("delta") or {}).get("content") or ""
                    new = _logprobs(choice)
                    logprobs = logprobs if new is None else [*(logprobs or []), *new]
                    finish = choice.get("finish_reason") or finish
                    parts.append(delta)
                    safe = sieve.feed(delta)
                    if safe:
                        yield safe
        if not done and finish is None:
            raise BackendError("the upstream's stream ended before the reply did")
        completion = _completion("".join(parts), finish, logprobs, usage)
        rest = sieve.finish(completion.text)
        if rest:
            yield rest
        yield completion

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    @contextmanager
    def _response(self, request: GenerationRequest, *, stream: bool) -> Iterator[httpx.Response]:
        """The upstream's accepted response, its errors turned into BackendError and BackendTimeout."""
        attempts = [True, False] if self.logprobs else [False]
        for with_logprobs in attempts:
            body = _body(self, request, stream, with_logprobs)
            with _translated_errors(self.timeout_s), self.client.stream("POST", "/chat/completions",
                                                                        json=body) as response:
                if response.status_code < 400:
                    if not with_logprobs:
                        self.logprobs = False
                    yield response
                    return
                excerpt = _excerpt(response.read().decode("utf-8", errors="replace"))
            if not (with_logprobs and response.status_code in REFUSED):
                raise BackendError(f"the upstream answered HTTP {response.status_code}: {excerpt}")


def _body(backend: OpenAIBackend, request: GenerationRequest, stream: bool, logprobs: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": backend.model_version, "messages": request.messages,
                            "max_tokens": request.max_new_tokens, "temperature": request.temperature,
                            "stream": stream}
    if logprobs:
        body["logprobs"] = True
    if request.seed is not None:
        body["seed"] = request.seed
    if request.stop:
        body["stop"] = request.stop
    return body


@contextmanager
def _translated_errors(timeout_s: float) -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException:
        raise BackendTimeout(f"no reply from the upstream within {timeout_s:g} s") from None
    except httpx.ConnectError as exc:
        raise BackendError(f"cannot reach the upstream: {exc}") from None
    except httpx.HTTPError as exc:
        raise BackendError(f"the connection to the upstream failed: {exc}") from None


def _within(items: Iterable[T], deadline: float, timeout_s: float) -> Iterator[T]:
    """The items as they arrive, until the deadline: an upstream that trickles must not hold a reply forever."""
    for item in items:
        if time.monotonic() > deadline:
            raise BackendTimeout(f"the upstream's reply took longer than {timeout_s:g} s")
        yield item


def _sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The data of each server-sent event (its `data:` lines joined); comments and other fields are skipped."""
    data: list[str] = []
    for line in lines:
        if not line.strip():
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield "\n".join(data)


def _json(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise BackendError(f"the upstream sent a malformed {what}: {_excerpt(text)}") from None
    if not isinstance(data, dict):
        raise BackendError(f"the upstream sent a malformed {what}: {_excerpt(text)}")
    if data.get("error"):
        raise BackendError(f"the upstream reported an error: {_excerpt(data['error'])}")
    return data


def _logprobs(choice: dict[str, Any]) -> list[float] | None:
    content = (choice.get("logprobs") or {}).get("content")
    if not isinstance(content, list):
        return None
    values = [item.get("logprob") for item in content if isinstance(item, dict)]
    return [float(v) for v in values if isinstance(v, int | float)]


def _completion(text: str, finish: str | None, logprobs: list[float] | None, usage: dict[str, Any]) -> Completion:
    scored = logprobs or None
    return Completion(text=text.strip(), finish_reason="length" if finish == "length" else "stop",
                      prompt_tokens=int(usage.get("prompt_tokens") or 0),
                      completion_tokens=int(usage.get("completion_tokens") or len(logprobs or [])),
                      mean_logprob=sum(scored) / len(scored) if scored else None,
                      min_logprob=min(scored) if scored else None)


def _excerpt(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"
