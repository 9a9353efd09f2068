"""What `tunedesk serve` in mode auto would do with replies already generated: each one goes through the server's
own pipeline (guardrails before and after, confidence, routing) with a scripted backend that returns the reply
and the confidence measured when it was generated, so no model runs and nothing is logged.

eval uses it for its auto-send figures (what reaches a customer without a person, and how much of it is wrong);
bench/auto_send_replay.py prints it side by side with the confidence-only estimate. The high threshold is
cross-fitted: for each half of the items (split by a hash of the id) it is fitted on the other half, so no reply
is judged by a threshold its own score helped set.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tunedesk.answer.calibration import confidence_of, thresholds
from tunedesk.eval.judges.base import Item
from tunedesk.eval.metrics import share
from tunedesk.workspace import Workspace


@dataclass
class Replayed:
    """One generated reply with its judged score."""

    id: str
    thread: list[dict[str, str]]
    """The conversation as the server receives it: user / assistant turns, no system prompt, no reference."""
    reply: str
    logprob_mean: float
    score: int
    kind: str = "answer"

    @classmethod
    def of(cls, item: Item, reply: str, logprob_mean: float, score: int) -> Replayed:
        """A held-out item's generated reply; the thread is the item's prompt without its system message."""
        thread = [m for m in item.messages if m["role"] in ("user", "assistant")]
        return cls(item.id, thread, reply, logprob_mean, score, item.kind)


def decisions(ws: Workspace, version: str, replayed: list[Replayed]) -> list[str]:
    """The server's decision (auto_send, needs_approval, escalate, refuse) for each reply, in order, in mode auto
    with every ticket in the rollout."""
    from tunedesk.answer.backends.scripted import ScriptedBackend
    from tunedesk.answer.setup import build_responder
    from tunedesk.answer.types import Completion
    from tunedesk.records import TicketIn

    current: list[Replayed] = []
    backend = ScriptedBackend(lambda request: Completion(current[-1].reply, mean_logprob=current[-1].logprob_mean),
                              model_version=version)
    responder = build_responder(ws, backend=backend, version=version)
    responder.log = None
    responder.settings = ws.config.serve.model_copy(update={"mode": "auto", "rollout_percent": 100})
    folds = [hashlib.sha1(r.id.encode()).digest()[0] % 2 for r in replayed]
    confidences = [confidence_of(r.logprob_mean) for r in replayed]
    found: dict[int, str] = {}
    try:
        for fold in (0, 1):
            fit = [k for k, f in enumerate(folds) if f != fold]
            responder.calibration = thresholds([confidences[k] for k in fit], [replayed[k].score == 3 for k in fit])
            for k in (k for k, f in enumerate(folds) if f == fold):
                current.append(replayed[k])
                found[k] = responder.respond(TicketIn(id=replayed[k].id, messages=replayed[k].thread)).decision
    finally:
        responder.close()
    return [found[k] for k in range(len(replayed))]


def auto_send_figures(replayed: list[Replayed], decided: list[str]) -> dict[str, Any]:
    """What reaches the customer without a person: auto-sent replies (and how many score 1), and the brand's
    refusal sent where a guard refused (and how many of those tickets were not off topic)."""
    sent = [r for r, d in zip(replayed, decided, strict=True) if d == "auto_send"]
    refused = [r for r, d in zip(replayed, decided, strict=True) if d == "refuse"]
    wrong = sum(r.score == 1 for r in sent)
    return {"auto_sent": len(sent), "auto_sent_share": share(len(sent), len(replayed)),
            "auto_sent_wrong": wrong, "auto_sent_wrong_share": share(wrong, len(sent)),
            "auto_sent_score_3": sum(r.score == 3 for r in sent),
            "guard_refused": len(refused), "guard_refused_on_topic": sum(r.kind != "refusal" for r in refused),
            "decisions": {d: decided.count(d) for d in sorted(set(decided))}, "auto_sent_by": "server"}
