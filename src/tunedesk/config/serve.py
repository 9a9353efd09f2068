"""tunedesk.yaml section `serve`: the API server — backend, routing mode, staged rollout, limits, guardrails."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tunedesk.config.base import Section
from tunedesk.config.guardrails import GuardrailsConfig


class BackendConfig(Section):
    name: str = "transformers"
    """Who generates: transformers (in-process, CPU or GPU), llamacpp (a GGUF file, extra `export`), or openai
    (any OpenAI-compatible upstream: vLLM, Ollama, a llama.cpp server)."""
    model: str | None = None
    """What to serve: null = the registry's production version (else the newest run, else the base); a run id,
    `base`, a GGUF path (llamacpp) or the upstream's model name (openai)."""
    base_url: str | None = None
    """The upstream for backend openai, e.g. http://localhost:8000/v1."""
    api_key_env: str | None = None
    """Environment variable holding the upstream's API key; null for none."""
    timeout_s: float = Field(30.0, gt=0)
    """A reply not finished in this many seconds is escalated as model_unavailable."""
    max_new_tokens: int = Field(256, ge=1)
    """Longest generated reply in tokens."""
    temperature: float = Field(0.0, ge=0, le=2)
    """Sampling temperature: 0 = greedy (the default: deterministic, and on the example's validation split as good
    as 0.3: 26 and 27 of 40 replies scored 3 for the same 90-step run); above 0 each ticket is sampled with its own
    seed."""


class SummariesConfig(Section):
    mode: Literal["model", "extractive"] = "model"
    """model: the served model writes the handover summary (wants, tried, promised, open question), each sentence
    checked against the thread, and the extractive summary is served instead when one is unsupported; extractive:
    the thread's own sentences, no model (docs/summaries.md)."""
    min_support: float = Field(0.7, ge=0, le=1)
    """A model-written sentence is supported when at least this share of its content words occur in the thread
    (and every number, name and promise in it does); 0.7 is the value fitted on the example's training threads
    (`tunedesk eval --task summaries` fits and reports it for a workspace's own; docs/summaries.md)."""
    max_new_tokens: int = Field(160, ge=16, le=2048)
    """Longest model-written summary in tokens (the word budget is serve.summary_words)."""


class ServeConfig(Section):
    host: str = "127.0.0.1"
    """Interface to listen on (loopback by default: put a reverse proxy with TLS in front for anything else)."""
    port: int = Field(8080, ge=1, le=65535)
    """Port to listen on."""
    mode: Literal["shadow", "draft", "approve", "auto"] = "approve"
    """shadow: log only; draft: every reply goes to an agent; approve: one-click approval queue; auto: send when
    confidence is high and nothing escalated."""
    rollout_percent: float = Field(10.0, ge=0, le=100)
    """Share of tickets (by a stable hash of the ticket id) the model answers; the rest go straight to agents."""
    backend: BackendConfig = Field(default_factory=BackendConfig)
    """The generating backend."""
    guardrails: GuardrailsConfig = Field(default_factory=GuardrailsConfig)
    """Checks before and after generation, in order, with their thresholds."""
    embedder: Literal["static", "minilm"] = "static"
    """Sentence embeddings for off-topic detection, KB retrieval and category guesses: static (MiniLM's token
    vectors distilled once and weighted for this corpus: ~0.3 ms a message on CPU) or minilm (the full model:
    ~40 ms a message on 2 CPU cores, a few ms on a GPU)."""
    kb_top_k: int = Field(3, ge=0, le=20)
    """KB articles retrieved (by embedding) into the system prompt."""
    api_keys_env: str = "TUNEDESK_API_KEYS"
    """Environment variable with comma-separated API keys required on write and review routes; when unset,
    those routes are open on loopback only."""
    max_request_bytes: int = Field(256_000, ge=1024)
    """Larger request bodies are refused with 413."""
    max_concurrency: int = Field(4, ge=1)
    """Requests generating at once."""
    max_queue: int = Field(64, ge=0)
    """Requests waiting for a slot; past this the server answers 503."""
    summary_words: int = Field(100, ge=10)
    """Longest thread summary from /v1/summaries, in words."""
    summaries: SummariesConfig = Field(default_factory=SummariesConfig)
    """How /v1/summaries writes a thread summary: by the served model, checked for faithfulness, or extractive."""
