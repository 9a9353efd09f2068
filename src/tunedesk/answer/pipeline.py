"""One ticket through the server, top to bottom: rollout → guardrails before generation → context (policies + KB)
→ the backend → guardrails after generation → calibrated confidence → decision → the log.

The Responder is synchronous (the HTTP layer runs it in worker threads) and never raises for a ticket: a backend
error or timeout becomes decision `escalate` with reason `model_unavailable`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from tunedesk.answer.backends.base import Backend, generate_all
from tunedesk.answer.calibration import confidence_of, level
from tunedesk.answer.confidence import Calibrator
from tunedesk.answer.context import ContextBuilder
from tunedesk.answer.corpus import PrecedentIndex
from tunedesk.answer.guardrails import Guardrails
from tunedesk.answer.rollout import bucket, in_rollout
from tunedesk.answer.routing import Decision, confidence, decide
from tunedesk.answer.types import Completion, Context, GenerationRequest, GuardVerdict
from tunedesk.checks.claims import commitments, repetition, unstated_terms
from tunedesk.checks.contradictions import PolicyChecker
from tunedesk.checks.marker import strip_marker
from tunedesk.config.policies import Policies
from tunedesk.config.serve import ServeConfig
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.records import ReplyResult, TicketIn
from tunedesk.store.replies import ReplyLog


@dataclass
class Answered:
    """A ticket's reply and what produced it: the model's completion (None when a guard, the rollout or a failure
    kept the model from answering) and the context it was given."""

    result: ReplyResult
    completion: Completion | None
    context: Context | None
    signals: dict[str, float] = field(default_factory=dict)
    """The confidence signals of the generated reply (none when the model was not asked)."""


@dataclass
class Prepared:
    """A ticket after the checks that come before generation."""

    ticket: TicketIn
    started: float
    bucket: int
    verdicts: list[GuardVerdict]
    context: Context | None = None
    request: GenerationRequest | None = None
    category: str | None = None
    category_share: float = 0.0
    """The share of the nearest training messages that voted for the guessed category."""
    timings: dict[str, float] = field(default_factory=dict)
    signals: dict[str, float] = field(default_factory=dict)


class Responder:
    """Answers tickets with the backend behind the guardrails and logs every reply."""

    def __init__(self, *, backend: Backend, guardrails: Guardrails, contexts: ContextBuilder, settings: ServeConfig,
                 policies: Policies, calibration: dict[str, float | None], log: ReplyLog | None,
                 categorize: Callable[[str], tuple[str | None, float]] | None = None,
                 model_version: str | None = None, precedents: PrecedentIndex | None = None,
                 calibrator: Calibrator | None = None) -> None:
        self.backend, self.guardrails, self.contexts, self.log = backend, guardrails, contexts, log
        self.settings, self.policies, self.calibration = settings, policies, calibration
        self.categorize, self.precedents, self.calibrator = categorize, precedents, calibrator
        self.checker = PolicyChecker(policies)
        self.model_version = model_version or getattr(backend, "model_version", None)
        self._pool = ThreadPoolExecutor(max_workers=max(2, settings.max_concurrency), thread_name_prefix="generate")

    def respond(self, ticket: TicketIn) -> ReplyResult:
        """The whole decision for one ticket (no streaming)."""
        prepared = self.prepare(ticket)
        if prepared.request is None:
            return self.finish(prepared, None)
        try:
            completion = self._pool.submit(self.backend.generate, prepared.request).result(
                timeout=self.settings.backend.timeout_s)
        except FutureTimeout:
            return self.finish(prepared, None, failure="timeout")
        except Exception as exc:  # any backend failure: the ticket goes to a person, never dropped
            return self.finish(prepared, None, failure=type(exc).__name__)
        return self.finish(prepared, completion)

    def answer_many(self, tickets: list[TicketIn], reporter: Reporter | None = None,
                    batch_size: int = 8) -> list[Answered]:
        """Many tickets, each as `respond` answers it — the same checks, prompt, decoding, confidence, routing and
        log — with one batched generation for those the model is asked about (eval's way through the server)."""
        prepared = [self.prepare(t) for t in tickets]
        asked = [p for p in prepared if p.request is not None]
        with (reporter or SilentReporter()).task("answer", total=len(asked)) as task:
            outcomes = generate_all(self.backend, [p.request for p in asked if p.request is not None], task,
                                    batch_size)
        generated = {id(p): outcome for p, outcome in zip(asked, outcomes, strict=True)}
        answered = []
        for p in prepared:
            outcome = generated.get(id(p))
            completion = outcome if isinstance(outcome, Completion) else None
            answered.append(Answered(self.finish(p, completion, failure=outcome if isinstance(outcome, str)
                                                 else None), completion, p.context, p.signals))
        return answered

    def stream(self, ticket: TicketIn) -> Iterator[str | ReplyResult]:
        """Text deltas as the model writes them, then the ReplyResult (its reply is the whole, checked text)."""
        prepared = self.prepare(ticket)
        if prepared.request is None:
            yield self.finish(prepared, None)
            return
        completion, failure = None, None
        deadline = time.perf_counter() + self.settings.backend.timeout_s
        try:
            for piece in self.backend.stream(prepared.request):
                if isinstance(piece, Completion):
                    completion = piece
                elif piece:
                    yield piece
                if time.perf_counter() > deadline:
                    failure = "timeout"
                    break
        except Exception as exc:  # the deltas already sent are superseded by the final decision
            failure = type(exc).__name__
        yield self.finish(prepared, completion, failure=failure or (None if completion else "no_completion"))

    def prepare(self, ticket: TicketIn) -> Prepared:
        """Rollout and the pre-generation guardrails; the generation request when the model should answer."""
        started = time.perf_counter()
        prepared = Prepared(ticket, started, bucket(ticket.id), [])
        if self.categorize is not None:
            guessed, prepared.category_share = self.categorize(ticket.last_customer_text)
            prepared.category = ticket.category or guessed
        else:
            prepared.category = ticket.category
        if not in_rollout(ticket.id, self.settings.rollout_percent):
            prepared.verdicts.append(GuardVerdict("rollout", "escalate", "not_in_rollout",
                                                  f"bucket {prepared.bucket} outside {self.settings.rollout_percent}%"))
            return prepared
        t0 = time.perf_counter()
        prepared.verdicts.extend(self.guardrails.before(ticket))
        prepared.timings = {f"before.{k}": ms / 1000 for k, ms in getattr(self.guardrails, "last_timings", {}).items()}
        prepared.timings["before"] = time.perf_counter() - t0
        if any(v.action in ("escalate", "refuse") for v in prepared.verdicts):
            return prepared
        t0 = time.perf_counter()
        prepared.context = self.contexts.build(ticket)
        prepared.timings["context"] = time.perf_counter() - t0
        backend = self.settings.backend
        prepared.request = GenerationRequest(
            messages=[{"role": "system", "content": prepared.context.system_prompt}, *ticket.messages],
            max_new_tokens=backend.max_new_tokens, temperature=backend.temperature, seed=_seed(ticket.id))
        return prepared

    def finish(self, prepared: Prepared, completion: Completion | None, failure: str | None = None) -> ReplyResult:
        """Checks after generation, the decision, and the log entry."""
        verdicts = list(prepared.verdicts)
        text, score, level = "", 0.0, "low"
        if failure:
            verdicts.append(GuardVerdict("backend", "escalate", "model_unavailable", failure))
        elif completion is not None:
            assert prepared.context is not None  # a request, hence a completion, is only made with its context
            text, marker = strip_marker(completion.text)
            t0 = time.perf_counter()
            raw = None if completion.mean_logprob is None else confidence_of(completion.mean_logprob)
            verdicts.extend(self.guardrails.after(prepared.ticket, completion.text, prepared.context, raw))
            timings = getattr(self.guardrails, "last_timings", {})
            prepared.timings.update({f"after.{k}": ms / 1000 for k, ms in timings.items() if f"before.{k}" not in
                                     prepared.timings})
            prepared.timings["after"] = time.perf_counter() - t0
            if marker and not any(v.reason == marker or v.guard == "model_escalated" for v in verdicts):
                verdicts.append(GuardVerdict("model_escalated", "escalate", marker))
            prepared.signals = self.signals(prepared, completion, verdicts)
            score, level = self._confidence(completion, verdicts, prepared.signals)
        decision = decide(self.settings.mode, verdicts, score, level)
        return self._log(prepared, decision, self._reply_text(decision, text, verdicts), completion is not None)

    def signals(self, prepared: Prepared, completion: Completion, verdicts: list[GuardVerdict]) -> dict[str, float]:
        """What the confidence is computed from (answer.confidence.SIGNALS): the model's token log-probabilities,
        agreement with the replies to similar past tickets, the category guess, and the judge-free checks."""
        body = strip_marker(completion.text)[0]
        sources = prepared.context.texts if prepared.context else []
        company = "\n".join(sources)
        return {
            "logprob_mean": completion.mean_logprob if completion.mean_logprob is not None else -5.0,
            "logprob_min": completion.min_logprob if completion.min_logprob is not None else -10.0,
            "precedent_agreement": self.precedents.agreement(prepared.ticket.customer_text, body)
            if self.precedents else 0.0,
            "category_share": prepared.category_share,
            "guard_penalty": sum(v.confidence_penalty for v in verdicts),
            "review": float(any(v.action == "review" for v in verdicts)),
            "contradictions": float(len(self.checker.contradictions(body))),
            "promises": float(len(commitments(body, "", company))),
            "repetition": float(len(repetition(body))),
            "unstated_terms": float(len(unstated_terms(body, self.policies, sources))),
            "cut_off": float(completion.finish_reason == "length"), "tokens": completion.completion_tokens / 100,
        }

    def _confidence(self, completion: Completion, verdicts: list[GuardVerdict],
                    signals: dict[str, float]) -> tuple[float, str]:
        """The calibrated probability that the reply is fully correct and its level; without a calibrator, the
        model's own token confidence less the guards' penalties."""
        if self.calibrator is None:
            return confidence(completion.mean_logprob, verdicts, self.calibration)
        probability = round(self.calibrator.probability(signals), 4)
        return probability, level(probability, self.calibration)

    def _reply_text(self, decision: Decision, generated: str, verdicts: list[GuardVerdict]) -> str:
        if decision.decision == "refuse":
            return self.policies.voice.refusal
        if decision.decision == "escalate":
            # The workspace's template, never the model's text: a model's hand-over can promise a refund or name a
            # team that does not exist.
            return self.guardrails.holding_reply([v.reason for v in verdicts if v.action == "escalate"])
        return generated

    def _log(self, prepared: Prepared, decision: Decision, reply: str, generated: bool) -> ReplyResult:
        latency = round((time.perf_counter() - prepared.started) * 1000, 2)
        result = ReplyResult(
            id=uuid.uuid4().hex, ticket_id=prepared.ticket.id, reply=reply, decision=decision.decision,
            confidence=decision.confidence, confidence_score=decision.confidence_score,
            escalate=decision.decision == "escalate", reasons=decision.reasons, category=prepared.category,
            sources=prepared.context.sources if prepared.context else [],
            model_version=self.model_version if generated else None, latency_ms=latency, mode=self.settings.mode,
            rollout_bucket=prepared.bucket, timings_ms={k: round(v * 1000, 3) for k, v in prepared.timings.items()},
            overhead_ms=round(sum(prepared.timings.get(k, 0.0) for k in ("before", "context", "after")) * 1000, 3))
        if self.log is not None:  # None: nothing is logged (eval's replay)
            self.log.record(self._log_row(prepared, result))
        return result

    def _log_row(self, prepared: Prepared, r: ReplyResult) -> dict[str, Any]:
        # One conversation masked together: a name the customer gives is masked in the reply that repeats it too.
        *thread, reply = self.guardrails.mask_thread([*(m["content"] for m in prepared.ticket.messages), r.reply])
        status = {"auto_send": "sent", "escalate": "escalated", "refuse": "sent"}.get(r.decision, "pending")
        return {"id": r.id, "ticket_id": r.ticket_id, "category": r.category, "mode": r.mode,
                "decision": r.decision, "reasons": r.reasons, "confidence": r.confidence,
                "confidence_score": r.confidence_score, "model_version": r.model_version,
                "rollout_bucket": r.rollout_bucket, "in_rollout": "not_in_rollout" not in r.reasons,
                "latency_ms": r.latency_ms, "reply": reply, "sources": r.sources,
                "thread": [{"role": m["role"], "content": text} for m, text in zip(prepared.ticket.messages, thread,
                                                                                    strict=True)],
                "status": "logged" if r.mode == "shadow" else status}

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _seed(ticket_id: str) -> int:
    """A seed per ticket: the same ticket gets the same sampled reply."""
    return bucket(ticket_id)
