"""The learning loop's data side: the feedback export's choices (approved, edited, rated in; rejected, escalated,
thumbs-down, duplicates and held-out tickets out) and the closing-the-loop retrain: served replies → agents'
approvals and edits → export → training file → a tiny run → eval → the gate's refusal."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tiny_data import ROWS, tiny_overrides, tiny_workspace
from tunedesk.answer.backends.scripted import ScriptedBackend
from tunedesk.answer.setup import build_responder
from tunedesk.checks.marker import escalates, strip_marker
from tunedesk.cli.main import app
from tunedesk.learn.feedback import export_feedback
from tunedesk.learn.retrain import add_to_training_file, retrain
from tunedesk.prompt.system import SystemPrompt
from tunedesk.scaffold import init_workspace
from tunedesk.serve.app import ServerSettings, create_app
from tunedesk.store.model_registry import ModelRegistry
from tunedesk.store.replies import ReplyLog
from tunedesk.workspace import Workspace

pytestmark = pytest.mark.xdist_group("train")

EDIT = "Hi Sam,\n\n  Yes — boots can come back within 30 days, free of charge.  \nBest, Robin (Trailhead)\n"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return tiny_workspace(tmp_path / "ws")


def _log(log: ReplyLog, reply_id: str, ticket: str, question: str, reply: str, **extra: Any) -> None:
    log.record({"id": reply_id, "ticket_id": ticket, "category": "returns", "mode": "review",
                "decision": "needs_approval", "reasons": [], "confidence": "medium", "confidence_score": 0.7,
                "model_version": "run-a", "rollout_bucket": 1, "in_rollout": True, "latency_ms": 12.0,
                "thread": [{"role": "user", "content": question}], "reply": reply, "sources": [],
                "status": "pending", **extra})


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_export_keeps_approved_edited_and_rated_replies_and_drops_the_rest(ws: Workspace) -> None:
    log = ReplyLog(ws.store)
    _log(log, "r1", "T-1", "Can I swap my tent for a bigger one?", "Yes, exchanges are free within 30 days.")
    log.review("r1", "approve", actor="robin")
    _log(log, "r2", "T-2", "Can I send back my boots? Bought them 2 weeks ago.", "Sure.")
    log.review("r2", "edit", text=EDIT, actor="robin")
    _log(log, "r3", "T-3", "Do you ship to Ireland?", "Yes, we ship to Ireland in 3-5 days.", status="sent")
    log.rate("r3", True)
    _log(log, "r4", "T-4", "Where is my order?", "It was delivered to the moon.")
    log.review("r4", "reject")
    _log(log, "r5", "T-5", "My lawyer will be in touch.", "Okay.")
    log.review("r5", "escalate")
    _log(log, "r6", "T-6", "Is the sale still on?", "Yes, forever.")
    log.review("r6", "approve")
    log.rate("r6", False)  # a thumbs-down after the approval: the reply is out
    _log(log, "r7", "zendesk:holdout1", "Is shipping free on boots?", "Yes, over $75.")
    log.review("r7", "approve")  # the ticket is held out: never training data
    _log(log, "r8", "T-8", "  can I RETURN boots after 3 weeks? ", "Yes, returns are free  within 30 days.")
    log.review("r8", "approve")  # the same pair as a build row, up to case and whitespace
    _log(log, "r9", "T-9", "Can I swap my tent for a bigger one?", "Yes, exchanges are free within 30 days.")
    log.review("r9", "approve")  # the same pair as r1
    _log(log, "r10", "T-10", "Hello?", "Hi, how can I help?")  # never reviewed
    _log(log, "r11", "T-11", "I want my money back, it has been 45 days.", "Our team will look into this.",
         decision="escalate", reasons=["refund_exception"])
    log.review("r11", "approve")

    export = export_feedback(ws)

    rows = _rows(ws.root / "data" / "feedback.jsonl")
    assert [r["id"] for r in rows] == ["fb-r1", "fb-r2", "fb-r3", "fb-r11"] == [r["id"] for r in export.rows]
    by_id = {r["id"]: r for r in rows}
    assert by_id["fb-r2"]["messages"][-1] == {"role": "assistant", "content": EDIT}  # exactly as written
    assert by_id["fb-r1"]["messages"][-1]["content"] == "Yes, exchanges are free within 30 days."
    assert by_id["fb-r3"]["messages"][-1]["content"] == "Yes, we ship to Ireland in 3-5 days."
    assert by_id["fb-r11"]["kind"] == "escalation" and escalates(by_id["fb-r11"]["messages"][-1]["content"])
    assert by_id["fb-r1"]["kind"] == "answer"
    assert all(r["split"] == "train" and r["source"] == "feedback" for r in rows)
    assert by_id["fb-r2"]["ticket_id"] == "T-2" and by_id["fb-r2"]["category"] == "returns"
    cfg = ws.config.dataset
    prompt = SystemPrompt.from_file(ws.policies(), ws.path(cfg.system_template), cfg.policy_facts)
    question = "Can I send back my boots? Bought them 2 weeks ago."
    assert by_id["fb-r2"]["messages"][:2] == [{"role": "system", "content": prompt.render(question)},
                                              {"role": "user", "content": question}]
    assert dict(export.used) == {"approved": 2, "edited": 1, "rated": 1}
    assert dict(export.dropped) == {"rejected": 1, "escalated": 1, "thumbs_down": 1, "holdout_ticket": 1,
                                    "duplicate": 2, "not_reviewed": 1}
    report = json.loads((ws.root / "reports" / "feedback.json").read_text())
    assert report["examples"] == 4 and report["by_source"]["edited"] == 1 and report["dropped"]["duplicate"] == 2


def test_export_since_takes_only_replies_reviewed_from_then_on(ws: Workspace) -> None:
    log = ReplyLog(ws.store)
    _log(log, "r1", "T-1", "Can I swap my tent?", "Yes, within 30 days.")
    log.review("r1", "approve")
    assert export_feedback(ws, since=None).considered == 1
    later = export_feedback(ws, since=datetime(2999, 1, 1))
    assert later.considered == 0 and _rows(ws.root / "data" / "feedback.jsonl") == []


def test_a_reply_with_a_broken_thread_is_set_aside_with_its_reason(ws: Workspace) -> None:
    log = ReplyLog(ws.store)
    _log(log, "r1", "T-1", "Can I swap my tent?", "Yes.", thread=[{"role": "assistant", "content": "Hi!"}])
    log.review("r1", "approve")
    export = export_feedback(ws)
    assert export.dropped["unreadable_thread"] == 1 and not export.rows
    assert export.rejected[0].locator == "reply r1" and export.rejected[0].field == "thread"


def test_feedback_rows_replace_earlier_ones_in_the_training_file(ws: Workspace) -> None:
    log = ReplyLog(ws.store)
    _log(log, "r1", "T-1", "Can I swap my tent?", "Sure.")
    log.review("r1", "edit", text=EDIT)
    train = ws.root / "data" / "train.jsonl"
    build_rows = _rows(train)
    first = add_to_training_file(ws, export_feedback(ws))
    again = add_to_training_file(ws, export_feedback(ws))  # a second retrain without a rebuild: no double copies
    rows = _rows(train)
    assert first == {"build": len(build_rows), "feedback": 1, "replaced_feedback": 0}
    assert again == {"build": len(build_rows), "feedback": 1, "replaced_feedback": 1}
    assert rows[: len(build_rows)] == build_rows and [r["id"] for r in rows[len(build_rows):]] == ["fb-r1"]


def test_feedback_export_on_the_command_line(ws: Workspace) -> None:
    log = ReplyLog(ws.store)
    _log(log, "r1", "T-1", "Can I swap my tent?", "Sure.")
    log.review("r1", "edit", text=EDIT)
    result = CliRunner().invoke(app, ["feedback", "export", "-w", str(ws.root), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["examples"] == 1 and summary["by_source"] == {"edited": 1}
    assert Path(summary["paths"]["feedback"]).is_file()
    shown = CliRunner().invoke(app, ["feedback", "export", "-w", str(ws.root)])
    flat = "".join(shown.stdout.split())  # the console may wrap anywhere in a narrow terminal
    assert shown.exit_code == 0 and "used:edited" in flat and "data/feedback.jsonl" in flat


def test_retrain_if_needed_stops_when_drift_says_no(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import tunedesk.learn.retrain as learn_retrain

    monkeypatch.setattr(learn_retrain, "retrain_needed", lambda ws, reporter: (False, {"verdict": "ok"}))
    summary = retrain(ws, if_needed=True, rebuild=False)
    assert not summary.ran and summary.reason == "not needed" and summary.run is None
    assert json.loads((ws.root / "reports" / "retrain.json").read_text())["reason"] == "not needed"
    assert not (ws.root / "runs").exists() or not any((ws.root / "runs").iterdir())


QUESTIONS = ["Can I return my hiking boots? I bought them two weeks ago.",
             "How long does standard delivery take to Leeds?",
             "Do your trail shoes run small or true to size?"]
DRAFT = "Hi there,\n\nYes, you can return unused items within 30 days of delivery.\n\nBest regards"
EDITS = ["Hi there,\n\nStandard delivery to Leeds takes 2-4 working days.\n\nRobin at Trailhead",
         "Hi,\nOur trail shoes run true to size; if between sizes, go half a size up.\n— Sam"]


def _word_embedder(texts: list[str]) -> list[list[float]]:
    """A bag-of-words stand-in for MiniLM (loading it takes longer than this whole test should)."""
    vectors = []
    for text in texts:
        vector = [0.0] * 64
        for word in text.lower().split():
            vector[sum(map(ord, word)) % 64] += 1.0
        vectors.append(vector)
    return vectors


def test_closing_the_loop_agents_edits_reach_the_next_runs_training_data(ws: Workspace) -> None:
    responder = build_responder(ws, backend=ScriptedBackend([DRAFT]), embedder=_word_embedder, version="run-test")
    with TestClient(create_app(ServerSettings(ws.config.serve, responder))) as client:
        ids = []
        for n, question in enumerate(QUESTIONS):
            response = client.post("/v1/replies", json={"ticket_id": f"T-{n}", "messages": [
                {"role": "customer", "content": question}]})
            assert response.status_code == 200, response.text
            ids.append(response.json()["id"])
        reviews = [{"reply_id": ids[0], "kind": "approve", "actor": "robin"},
                   {"reply_id": ids[1], "kind": "edit", "text": EDITS[0], "actor": "robin"},
                   {"reply_id": ids[2], "kind": "edit", "text": EDITS[1], "actor": "sam"}]
        for review in reviews:
            assert client.post("/v1/feedback", json=review).status_code == 200

    approved = ReplyLog(ws.store).get(ids[0]).reply  # as logged (masked; the guardrails may have replaced it)
    summary = retrain(ws, overrides=tiny_overrides("train.max_steps=1"), rebuild=False)

    assert summary.ran and dict(summary.added) == {"approved": 1, "edited": 2}
    assert summary.run is not None
    record = json.loads((ws.root / "runs" / summary.run / "run.json").read_text())
    trained_on = Path(record["data"]["train"]["path"])
    targets = [r["messages"][-1]["content"] for r in _rows(trained_on)]
    assert EDITS[0] in targets and EDITS[1] in targets  # the agents' edits, exactly as written
    assert approved in [strip_marker(t)[0] for t in targets]  # (an approved escalation gets its marker back)
    from tunedesk.train.data import sha256_of

    assert sha256_of(trained_on) == record["data"]["train"]["sha256"]  # the file as the run saw it
    assert summary.scores["new"]["n"] == len(ROWS) and "score_3" in summary.scores["new"]
    assert summary.gate is not None and not summary.promoted and summary.gate["failing"]
    assert ModelRegistry(ws.store).get(summary.run).status != "production"
    report = json.loads((ws.root / "reports" / "retrain.json").read_text())
    assert report["run"] == summary.run and report["added_from_feedback"]["edited"] == 2


def test_retrain_on_the_command_line_without_promoting(ws: Workspace) -> None:
    log = ReplyLog(ws.store)
    _log(log, "r1", "T-1", "Can I swap my tent for a bigger one?", "Sure.")
    log.review("r1", "edit", text=EDIT)
    result = CliRunner().invoke(app, ["retrain", "-w", str(ws.root), "--no-rebuild", "--no-promote", "--json",
                                      *tiny_overrides("train.max_steps=1")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ran"] and summary["added_from_feedback"] == {"edited": 1} and summary["run"]
    assert summary["gate"]["passed"] is False and summary["promoted"] is False and summary["gate"]["failing"]
    assert ModelRegistry(ws.store).get(summary["run"]).status == "candidate"  # checked, never promoted nor refused


def test_retrain_rebuilds_from_the_store_then_adds_the_feedback(tmp_path: Path) -> None:
    from tunedesk.clean import stage as clean_stage
    from tunedesk.ingest import stage as ingest

    init_workspace(tmp_path / "ws", example=True, example_tickets=120)
    ws = Workspace.open(tmp_path / "ws", tiny_overrides("eval.limit=4"))
    ingest.run(ws)
    clean_stage.run(ws)
    # the loop on the example workspace: served → edited by an agent through the API → rebuilt → retrained
    responder = build_responder(ws, backend=ScriptedBackend(["Sure."]), embedder=_word_embedder, version="base")
    ws.config.serve.rollout_percent = 100
    with TestClient(create_app(ServerSettings(ws.config.serve, responder))) as client:
        served = client.post("/v1/replies", json={"ticket_id": "T-new", "messages": [
            {"role": "customer", "content": "Can I swap my tent for a bigger one?"}]}).json()
        assert client.post("/v1/feedback", json={"reply_id": served["id"], "kind": "edit", "text": EDIT}).is_success
    summary = retrain(ws, overrides=tiny_overrides("train.max_steps=1", "eval.limit=4"), promote=False)
    rows = _rows(ws.root / "data" / "train.jsonl")
    assert summary.train_rows["build"] == len(rows) - 1 > 10  # the build's rows, then the feedback
    assert rows[-1]["id"] == f"fb-{served['id']}" and rows[-1]["messages"][-1]["content"] == EDIT
    assert not any(r["id"].startswith("fb-") for r in rows[:-1])
