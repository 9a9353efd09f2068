"""Evaluation you can trust: eval answers through the server's own path (a served reply and eval's reply for the same
ticket are the same, sampling included), nothing is fitted on the held-out set, and every evaluation faces its
baselines (the nearest past reply, the untuned base) on the same items — on the tiny random model."""

from __future__ import annotations

import builtins
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tiny_data import ROWS, tiny_workspace
from tunedesk.answer.backends.scripted import ScriptedBackend
from tunedesk.answer.confidence import SIGNALS
from tunedesk.answer.setup import build_responder
from tunedesk.checks.marker import strip_marker
from tunedesk.eval.answering import Answer, answer_items, eval_responder, fit_calibration, split_items
from tunedesk.eval.stage import eval_judge
from tunedesk.eval.stage import run as evaluate
from tunedesk.records import TicketIn
from tunedesk.serve.app import ServerSettings, create_app
from tunedesk.workspace import Workspace

pytestmark = pytest.mark.xdist_group("train")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return tiny_workspace(tmp_path / "ws")


def test_a_served_reply_and_the_eval_reply_are_the_same_with_sampling(ws: Workspace) -> None:
    sampled = Workspace.open(ws.root, [*ws.overrides, "serve.backend.temperature=0.9",
                                       "serve.backend.max_new_tokens=8", "serve.rollout_percent=100"])
    items = split_items(sampled, "holdout")
    responder = eval_responder(sampled, "base")
    try:  # eval: every held-out ticket in batches
        evaluated = {item.id: a for item, a in zip(items, answer_items(responder, items, batch_size=4), strict=True)}
    finally:
        responder.close()
    served_responder = build_responder(sampled, version="base")
    compared = 0
    with TestClient(create_app(ServerSettings(sampled.config.serve, served_responder))) as client:
        for item in items:  # the server: one ticket at a time over HTTP, the same ticket id
            thread = [m for m in item.messages if m["role"] in ("user", "assistant")]
            body = client.post("/v1/replies", json={"ticket_id": item.id, "messages": thread}).json()
            answer = evaluated[item.id]
            # what eval judges is what the server sent, whoever answered (the model, a guard, a hand-over)
            assert strip_marker(answer.text)[0] == body["reply"] and answer.decision == body["decision"]
            compared += answer.confidence is not None
    served_responder.close()
    assert compared >= 3  # the model answered most tickets, so the comparison could fail


MARKED = "Hello,\n\nOur refunds team will send you a new one within 30 days.\n[[escalate: payment_dispute]]"
PROMISED = "Hello,\n\nI've passed your message to a member of our team, who will reply to you directly."


def test_eval_judges_what_the_server_sends_when_a_person_takes_over(ws: Workspace) -> None:
    """A reply with the model's marker, or one that promises a person without it, goes to a person: the customer
    gets the workspace's holding reply, and that (marked with the reason) is what eval judges, not the model's
    text, which is kept as the draft."""
    scripted = iter([MARKED, PROMISED] * 50)
    ws.config.serve.rollout_percent = 100
    responder = build_responder(ws, backend=ScriptedBackend(lambda request: next(scripted)), version="base")
    responder.log = None
    items = split_items(ws, "holdout")
    try:
        answered = responder.answer_many([TicketIn(id=i.id, messages=[m for m in i.messages if m["role"] == "user"])
                                          for i in items])
    finally:
        responder.close()
    drafts = set()
    for outcome in answered:
        answer = Answer.of(outcome)
        body, marker = strip_marker(answer.text)
        assert body == outcome.result.reply  # what the server sends, whoever answered
        if outcome.completion is not None:
            assert outcome.result.decision == "escalate" and marker == outcome.result.reasons[0]
            assert "refunds team" not in answer.text and "passed your message" not in answer.text
            drafts.add(answer.draft)
    assert drafts == {MARKED, PROMISED}  # both kinds of hand-over were made by the model, and kept to read


def _guarded_reads(monkeypatch: pytest.MonkeyPatch, forbidden: Path) -> list[str]:
    """Every file read through open, Path.read_text or Path.read_bytes; reading `forbidden` raises."""
    seen: list[str] = []
    real_open, real_read_bytes = builtins.open, Path.read_bytes

    def check(path: object) -> None:
        seen.append(str(path))
        if Path(str(path)).resolve() == forbidden.resolve():
            raise AssertionError(f"fitting read the held-out file {forbidden}")

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | Path):
            check(file)
        return real_open(file, *args, **kwargs)

    def guarded_read_bytes(self: Path) -> bytes:
        check(self)
        return real_read_bytes(self)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(Path, "read_bytes", guarded_read_bytes)
    return seen


def test_fitting_the_confidence_thresholds_never_reads_the_held_out_file(ws: Workspace,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    judge = eval_judge(ws)
    responder = eval_responder(ws, "base")
    holdout = ws.root / "data" / "holdout.jsonl"
    seen = _guarded_reads(monkeypatch, holdout)
    try:
        fitted = fit_calibration(ws, responder, judge)
    finally:
        responder.close()
    assert set(fitted.thresholds) == {"high", "medium"} and fitted.validation_items == 2
    assert any(p.endswith("val.jsonl") for p in seen)  # it did read validation through the guarded calls
    # and the guard itself works: reading the held-out file the same way is caught
    with pytest.raises(AssertionError, match="held-out"):
        split_items(ws, "holdout")


def test_the_retrieval_baseline_answers_with_the_nearest_past_reply(ws: Workspace) -> None:
    # the tiny held-out questions are also training questions, so the nearest past reply is the reference
    result = evaluate(ws, "retrieval")
    s = result.summary
    assert s["model"] == "retrieval" and s["kind"] == "retrieval" and s["n"] == len(ROWS)
    rows = [line for line in Path(result.paths["replies"]).read_text().splitlines()]
    import json

    replies = [json.loads(r) for r in rows]
    answered = [r for r in replies if r["served"]["confidence"] is not None]
    assert answered and all(r["reply"] == r["reference"] for r in answered)
    assert set(s["baselines"]) == {"base"}  # the other baseline, evaluated now and written beside it
    assert (ws.root / "reports" / "eval" / "base" / "summary.json").is_file()


def test_a_baseline_is_compared_by_its_replies_without_fitting_its_confidence(ws: Workspace) -> None:
    import json

    s = evaluate(ws, "retrieval").summary
    assert s["calibration"]["fitted"] is True and s["calibration"]["validation_items"] == 2  # the candidate
    stored = json.loads((ws.root / "reports" / "eval" / "base" / "summary.json").read_text())
    assert stored["calibration"]["fitted"] is False and stored["calibration"]["validation_items"] == 0
    assert s["baselines"]["base"]["auto_sent_share"] is None  # shown as "-", never as 0 % sent
    reused = evaluate(ws, "retrieval").summary["baselines"]["base"]
    assert reused.get("reused") is True and reused["auto_sent_share"] is None
    explicit = evaluate(ws, "base").summary  # asked for by name, the base is routed as the server would
    assert explicit["calibration"]["fitted"] is True and explicit["auto_sent_share"] is not None


def test_an_earlier_baseline_evaluation_is_reused_and_judged_again(ws: Workspace) -> None:
    evaluate(ws, "base")
    s = evaluate(ws, "retrieval").summary
    assert s["baselines"]["base"].get("reused") is True
    comparison = s["vs_baselines"]["base"]
    assert comparison["n"] == len(ROWS)
    low, high = comparison["score_3_delta_ci"]
    assert low <= comparison["score_3_delta"] <= high
    # a changed answering path (other decoding) makes the old base evaluation unusable: base is answered again
    changed = Workspace.open(ws.root, [*ws.overrides, "serve.backend.max_new_tokens=5"])
    again = evaluate(changed, "retrieval").summary
    assert not again["baselines"]["base"].get("reused")


def test_the_calibrator_learns_which_signals_predict_a_right_reply() -> None:
    from tunedesk.answer.confidence import Calibrator, fit

    # right replies agree with what past agents said to similar tickets; wrong ones do not (and break promises)
    right = [{"precedent_agreement": 0.7 + 0.02 * i, "logprob_mean": -0.6, "promises": 0.0} for i in range(12)]
    wrong = [{"precedent_agreement": 0.2 + 0.02 * i, "logprob_mean": -0.6, "promises": float(i % 2)}
             for i in range(12)]
    calibrator = fit(right + wrong, [True] * 12 + [False] * 12)
    assert calibrator is not None and calibrator.trained_on == 24
    assert calibrator.probability({"precedent_agreement": 0.9, "logprob_mean": -0.6}) > 0.8
    assert calibrator.probability({"precedent_agreement": 0.1, "logprob_mean": -0.6, "promises": 1.0}) < 0.2
    again = Calibrator.from_dict(calibrator.as_dict())
    assert again is not None and again.probability(right[0]) == pytest.approx(calibrator.probability(right[0]))
    assert Calibrator.from_dict({**calibrator.as_dict(), "signals": list(SIGNALS[:3])}) is None
    assert fit(right, [True] * 12) is None and fit(right[:5] + wrong[:2], [True] * 5 + [False] * 2) is None


def test_the_server_routes_on_the_calibrated_probability(ws: Workspace) -> None:
    from tunedesk.answer.confidence import fit

    responder = eval_responder(ws, "base")  # the server's Responder, every ticket in the rollout
    rows = [{"precedent_agreement": 0.9}] * 10 + [{"precedent_agreement": 0.0}] * 10
    responder.calibrator = fit(rows, [True] * 10 + [False] * 10)
    responder.calibration = {"high": 0.99, "medium": 0.5}
    try:
        (answered,) = responder.answer_many([ui_ticket()])
    finally:
        responder.close()
    assert answered.completion is not None and set(answered.signals) == set(SIGNALS)
    assert responder.calibrator is not None
    assert answered.result.confidence_score == pytest.approx(responder.calibrator.probability(answered.signals),
                                                             abs=1e-4)



def ui_ticket() -> TicketIn:
    """A plain on-topic question the tiny model is asked about."""
    return TicketIn(id="cal-1", messages=[{"role": "user", "content": "Can I return boots after 3 weeks?"}])
