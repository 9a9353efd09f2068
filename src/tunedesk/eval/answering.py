"""Evaluation items answered the way the server answers tickets: each item's conversation goes as a ticket through
the Responder that `tunedesk serve` builds for the version — rollout, guardrails before generation, the system
prompt with policies and KB passages, the real backend with the server's decoding settings, guardrails after
generation, calibrated confidence, routing in mode auto — with nothing logged. Generation is batched, and a batch
gives exactly the replies the server gives one by one (models.generate samples each ticket with its own seed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tunedesk.answer.calibration import thresholds
from tunedesk.answer.confidence import Calibrator, fit
from tunedesk.answer.pipeline import Answered, Responder
from tunedesk.answer.setup import build_responder
from tunedesk.checks.marker import add_marker
from tunedesk.errors import TunedeskError
from tunedesk.eval.judges.base import Item, Judge, Verdict, item_from_row
from tunedesk.progress import Reporter
from tunedesk.records import TicketIn
from tunedesk.trainfile.reading import read_rows
from tunedesk.workspace import Workspace


class EvalError(TunedeskError):
    """An evaluation cannot run, or its result cannot be trusted."""


@dataclass
class Answer:
    """One item as the server answered it, in the terms eval judges and reports."""

    text: str
    """What the judge reads: what the server sends the customer. The model's reply when it is sent or drafted for
    an agent; the brand's refusal when the ticket is refused; the holding reply, marked with the first reason,
    when it goes to a person, whoever decided so (a guard before generation, the model's marker, or a guard after
    it): the server never sends the model's text then."""
    decision: str
    """auto_send, needs_approval, escalate or refuse."""
    confidence: float | None
    """The confidence routing compared with the thresholds (None when the model was not asked)."""
    tokens: int = 0
    cut_off: bool = False
    reasons: list[str] = field(default_factory=list)
    logprob_mean: float | None = None
    """The model's mean token log-probability (None when it was not asked): the raw confidence signal."""
    signals: dict[str, float] = field(default_factory=dict)
    """Every confidence signal of the reply (answer.confidence.SIGNALS), for fitting the calibrator."""
    draft: str | None = None
    """The model's own text where the server sends something else (a hand-over, a refusal): kept in
    replies.jsonl to read, never judged."""

    @classmethod
    def of(cls, answered: Answered) -> Answer:
        """An Answer from the Responder's outcome for one ticket."""
        result, completion = answered.result, answered.completion
        text = result.reply
        if result.decision == "escalate":
            text = add_marker(text, result.reasons[0] if result.reasons else "escalated")
        if completion is None:
            return cls(text, result.decision, None, reasons=list(result.reasons))
        return cls(text, result.decision, result.confidence_score, completion.completion_tokens,
                   completion.finish_reason == "length", list(result.reasons), completion.mean_logprob,
                   dict(answered.signals), None if completion.text.strip() == text.strip() else completion.text)


def split_items(ws: Workspace, split: str, limit: int | None = None) -> list[Item]:
    """The rows of data/<split>.jsonl as judge items (the reference reply split off)."""
    path = ws.output_dir("data") / f"{split}.jsonl"
    if not path.is_file():
        raise EvalError(f"{path} is missing: run `tunedesk build -w {ws.root}` first")
    read = read_rows(path)
    if read.issues:
        problem = read.issues[0]
        where = f"{path}: line {problem.line}" if problem.line else str(path)
        raise EvalError(f"{where}: {problem.message}; rebuild it with `tunedesk build`")
    items = [item_from_row(r.data) for r in read.rows][:limit]
    if not items:
        raise EvalError(f"{path} has no examples")
    return items


def eval_responder(ws: Workspace, version: str) -> Responder:
    """The server's Responder for `version` with its real backend, in mode auto with every ticket in the rollout,
    logging nothing, its confidence thresholds not fitted yet (every reply low)."""
    responder = build_responder(ws, version=version, check_index=False)
    responder.log = None
    responder.settings = ws.config.serve.model_copy(update={"mode": "auto", "rollout_percent": 100})
    responder.calibration = {"high": None, "medium": None}
    return responder


def answer_items(responder: Responder, items: list[Item], reporter: Reporter | None = None,
                 batch_size: int = 8) -> list[Answer]:
    """Every item's conversation (no system prompt: the server writes its own) answered as a ticket."""
    tickets = [TicketIn(id=item.id, messages=[m for m in item.messages if m["role"] in ("user", "assistant")])
               for item in items]
    return [Answer.of(answered) for answered in responder.answer_many(tickets, reporter, batch_size)]


def answered_by(ws: Workspace, version: str, items: list[Item], reporter: Reporter | None = None) -> list[Answer]:
    """`version`'s answers to the items through eval's responder (closed afterwards)."""
    responder = eval_responder(ws, version)
    try:
        return answer_items(responder, items, reporter, ws.config.eval.batch_size)
    finally:
        responder.close()


@dataclass
class Fitted:
    """What eval fits on the validation split for a version: the multi-signal calibrator (None when validation
    had too little to learn from: the model's own token confidence is used) and the high/medium thresholds."""

    calibrator: Calibrator | None
    thresholds: dict[str, float | None]
    validation_items: int
    validation_scores: dict[str, int] = field(default_factory=dict)
    """Each validation item's score by id, in data/val.jsonl's order (what a calibration's forecast is checked
    against)."""

    @classmethod
    def unfitted(cls) -> Fitted:
        """Nothing fitted: no calibrator, no thresholds (every reply low), no validation item read."""
        return cls(None, {"high": None, "medium": None}, 0)


def fit_calibration(ws: Workspace, responder: Responder, judge: Judge) -> Fitted:
    """The confidence calibrator and thresholds for `responder`, fitted on the validation split alone: its tickets
    answered and judged, a logistic regression over the reply's signals, then the thresholds on the calibrated
    probabilities. Nothing here reads the held-out set."""
    items = split_items(ws, "val")
    answers = answer_items(responder, items, batch_size=ws.config.eval.batch_size)
    verdicts = judged(judge, items, answers)
    asked = [(a, v) for a, v in zip(answers, verdicts, strict=True) if a.confidence is not None]
    calibrator = fit([a.signals for a, _ in asked], [v.score == 3 for _, v in asked])
    scores = {item.id: v.score for item, v in zip(items, verdicts, strict=True)}
    if calibrator is None:
        return Fitted(None, fit_thresholds(answers, verdicts), len(items), scores)
    probabilities = [calibrator.probability(a.signals) for a, _ in asked]
    return Fitted(calibrator, thresholds(probabilities, [v.score == 3 for _, v in asked]), len(items), scores)


def fit_thresholds(answers: list[Answer], verdicts: list[Verdict]) -> dict[str, float | None]:
    """The confidence thresholds (high, medium) fitted on validation answers: the lowest confidence at which the
    replies at least that confident reach each precision (score 3). Answers the model was not asked about do not
    count."""
    asked = [(a.confidence, v.score == 3) for a, v in zip(answers, verdicts, strict=True) if a.confidence is not None]
    return thresholds([c for c, _ in asked], [ok for _, ok in asked])


def judged(judge: Judge, items: list[Item], answers: list[Answer]) -> list[Verdict]:
    """The judge's verdict on each answer."""
    return judge.judge(items, [a.text for a in answers])
