"""The server: guardrails and routing with scripted backends, the rollout, failures, limits, the log — and a real
uvicorn on loopback driven by the official `openai` client (streaming and not) and plain HTTP."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tunedesk.answer.backends.scripted import Failure, ScriptedBackend
from tunedesk.answer.rollout import in_rollout
from tunedesk.answer.setup import build_responder
from tunedesk.records import Article
from tunedesk.scaffold import init_workspace
from tunedesk.serve.app import ServerSettings, create_app
from tunedesk.serve.background import serving
from tunedesk.store.replies import ReplyLog
from tunedesk.workspace import Workspace

QUESTIONS = [
    ("returns", "Can I return my hiking boots? I bought them two weeks ago."),
    ("returns", "How long do I have to send back a jacket that does not fit?"),
    ("shipping", "How long does standard delivery take to Leeds?"),
    ("shipping", "Is shipping free if I order two tents?"),
    ("sizing", "Do your trail shoes run small or true to size?"),
    ("account", "I forgot my password and the reset email never came."),
    ("billing", "I was charged twice for order 100234, can you check?"),
    ("discounts", "My discount code SUMMER10 says it is invalid."),
]
Guards = tuple[Any, Any]
GOOD = "Hi there,\n\nYes, you can return unused items within 30 days of delivery for a full refund.\n\nBest regards"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("serve") / "ws"
    init_workspace(root, example=False)
    (root / "data").mkdir()
    rows = [{"id": f"t{i}", "ticket_id": f"z:{i}", "category": c, "kind": "answer", "split": "train",
             "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": q},
                          {"role": "assistant", "content": "a"}]} for i, (c, q) in enumerate(QUESTIONS * 3)]
    (root / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    workspace = Workspace.open(root)
    workspace.store.upsert_articles([Article(id="kb:returns", source="kb", external_id="returns",
                                             title="Returns and refunds",
                                             body="Unused items can be returned within 30 days of delivery.")])
    return workspace


@pytest.fixture(scope="module")
def shared_guardrails(ws: Workspace) -> Guards:  # built once: MiniLM and the corpus embeddings
    from tunedesk.answer.guardrails import Guardrails
    from tunedesk.answer.setup import caching
    from tunedesk.models.embed import minilm_embedder

    embed = caching(minilm_embedder())
    return Guardrails.from_workspace(ws, embedder=embed), embed


def client(ws: Workspace, guards: Guards, backend: ScriptedBackend | None = None, **serve: object) -> TestClient:
    guardrails, embed = guards
    defaults = {"rollout_percent": 100, "mode": "auto", "max_concurrency": 4, "max_queue": 64}
    for key, value in {**defaults, **serve}.items():
        setattr(ws.config.serve, key, value)
    responder = build_responder(ws, backend=backend or ScriptedBackend([GOOD], mean_logprob=-0.05),
                                guardrails=guardrails, embedder=embed, version="run-test")
    responder.calibration = {"high": 0.9, "medium": 0.5}
    return TestClient(create_app(ServerSettings(ws.config.serve, responder)))


def ask(c: TestClient, text: str, ticket_id: str = "T-1", **extra: object) -> dict:
    response = c.post("/v1/replies", json={"ticket_id": ticket_id, "messages": [{"role": "customer",
                                                                                 "content": text}], **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_confident_grounded_reply_is_auto_sent(ws: Workspace, shared_guardrails: Guards) -> None:
    body = ask(client(ws, shared_guardrails), "Can I still return my boots? I got them last week.")
    assert body["decision"] == "auto_send" and body["confidence"] == "high" and not body["escalate"]
    assert body["reply"] == GOOD and body["model_version"] == "scripted"
    assert body["sources"] and body["sources"][0]["id"] == "kb:returns"
    assert body["category"] == "returns"


def test_a_refund_exception_escalates_without_asking_the_model(ws: Workspace, shared_guardrails: Guards) -> None:
    backend = ScriptedBackend([GOOD])
    body = ask(client(ws, shared_guardrails, backend), "I want a refund even though it has been 45 days since delivery")
    assert body["decision"] == "escalate" and body["escalate"]
    assert any("refund" in r for r in body["reasons"]) and backend.requests == []
    assert "team" in body["reply"]


def test_a_furious_customer_escalates_with_a_holding_reply(ws: Workspace, shared_guardrails: Guards) -> None:
    body = ask(client(ws, shared_guardrails), "This is absolutely disgusting. Worst service ever, I am furious and "
               "I hate you all. Terrible, awful, useless!")
    assert body["decision"] == "escalate" and "negative_sentiment" in body["reasons"]
    assert body["reply"]


def test_an_off_topic_question_is_refused(ws: Workspace, shared_guardrails: Guards) -> None:
    body = ask(client(ws, shared_guardrails), "Who do you think will win the football world cup final?")
    assert body["decision"] == "refuse" and "off_topic" in body["reasons"]
    assert body["reply"] == ws.policies().voice.refusal


def test_a_reply_with_an_invented_order_number_is_not_auto_sent(ws: Workspace, shared_guardrails: Guards) -> None:
    invented = "Hi there,\n\nYour order #884213 was shipped yesterday and will arrive soon.\n\nBest regards"
    body = ask(client(ws, shared_guardrails, ScriptedBackend([invented], mean_logprob=-0.01)),
               "Where is my parcel? It has been a week since I ordered.")
    assert body["decision"] == "needs_approval" and "ungrounded_fact" in body["reasons"]


def test_the_models_own_escalation_marker_escalates(ws: Workspace, shared_guardrails: Guards) -> None:
    marked = "Hi there,\n\nI'm sorry about this; our billing team will look into it.\n[[escalate: payment_dispute]]"
    body = ask(client(ws, shared_guardrails, ScriptedBackend([marked])), "Why was I charged for two tents?")
    assert body["decision"] == "escalate" and "payment_dispute" in body["reasons"]
    assert "[[escalate" not in body["reply"]


def test_a_marker_with_a_reason_the_workspace_never_hands_over_for_is_a_draft_for_a_person(
        ws: Workspace, shared_guardrails: Guards) -> None:
    marked = "Hi there,\n\nSorry, we only ship to addresses in the United States.\n[[escalate: shipping_details]]"
    body = ask(client(ws, shared_guardrails, ScriptedBackend([marked])), "Can you ship to Canada?")
    assert body["decision"] == "needs_approval" and "unclear_handover" in body["reasons"]
    assert body["reply"].endswith("United States.") and "[[escalate" not in body["reply"]


@pytest.mark.parametrize("failure", ["error", "hang"])
def test_a_dead_backend_escalates_as_model_unavailable(ws: Workspace, shared_guardrails: Guards,
                                                       failure: Failure) -> None:
    backend = ScriptedBackend([GOOD], failure=failure, timeout_s=0.3)
    c = client(ws, shared_guardrails, backend)
    ws.config.serve.backend.timeout_s = 0.3
    try:
        body = ask(c, "How long does delivery take?")
        streamed = c.post("/v1/replies", json={"messages": [{"role": "user", "content": "Delivery time?"}],
                                               "stream": True})
    finally:
        ws.config.serve.backend.timeout_s = 30.0
        backend.close()
    assert body["decision"] == "escalate" and body["reasons"] == ["model_unavailable"] and body["reply"]
    assert "model_unavailable" in streamed.text and streamed.text.rstrip().endswith("data: [DONE]")


@pytest.mark.parametrize("mode,decision", [("draft", "needs_approval"), ("approve", "needs_approval"),
                                           ("auto", "auto_send"), ("shadow", "auto_send")])
def test_routing_modes(ws: Workspace, shared_guardrails: Guards, mode: str, decision: str) -> None:
    c = client(ws, shared_guardrails, mode=mode)
    body = ask(c, "Can I return my boots? I got them last week.", ticket_id=f"mode-{mode}")
    assert body["decision"] == decision and body["mode"] == mode
    logged = ReplyLog(ws.store).get(body["id"])
    assert logged.status == {"draft": "pending", "approve": "pending", "auto": "sent", "shadow": "logged"}[mode]


def test_low_confidence_is_drafted_even_in_auto_mode(ws: Workspace, shared_guardrails: Guards) -> None:
    body = ask(client(ws, shared_guardrails, ScriptedBackend([GOOD], mean_logprob=-2.0)), "Can I return boots?")
    assert body["decision"] == "needs_approval" and body["confidence"] == "low"


def test_the_rollout_sends_about_ten_percent_to_the_model(ws: Workspace, shared_guardrails: Guards) -> None:
    share = sum(in_rollout(f"ticket-{i}", 10) for i in range(10_000)) / 10_000
    assert 0.09 < share < 0.11
    assert all(in_rollout(f"ticket-{i}", 10) <= in_rollout(f"ticket-{i}", 25) for i in range(2000))
    backend = ScriptedBackend([GOOD])
    c = client(ws, shared_guardrails, backend, rollout_percent=10)
    answers = [ask(c, "Can I return boots?", ticket_id=f"r-{i}") for i in range(60)]
    held_back = [a for a in answers if "not_in_rollout" in a["reasons"]]
    assert len(backend.requests) == 60 - len(held_back) and 40 < len(held_back) < 60


def test_every_reply_is_logged_with_pii_masked(ws: Workspace, shared_guardrails: Guards) -> None:
    body = ask(client(ws, shared_guardrails), "Hi, I'm Jane, email jane.doe@mail.example, can I return my boots?",
               ticket_id="pii-1")
    logged = ReplyLog(ws.store).get(body["id"])
    assert "jane.doe@mail.example" not in json.dumps(logged.thread)
    assert logged.ticket_id == "pii-1" and logged.decision == body["decision"]
    assert logged.model_version == "scripted" and logged.latency_ms is not None


def test_limits_size_keys_and_capacity(ws: Workspace, shared_guardrails: Guards,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    c = client(ws, shared_guardrails)
    big = c.post("/v1/replies", json={"messages": [{"role": "user", "content": "x" * 300_000}]})
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
    bad = c.post("/v1/replies", json={"messages": [{"role": "robot", "content": "hi"}]})
    assert bad.status_code == 422 and "messages.0.role" in bad.json()["error"]["message"]
    monkeypatch.setenv("TUNEDESK_API_KEYS", "k1,k2")
    keyed = client(ws, shared_guardrails)
    assert keyed.post("/v1/replies", json={"messages": [{"role": "user", "content": "hi"}]}).status_code == 401
    ok = keyed.post("/v1/replies", headers={"Authorization": "Bearer k2"},
                    json={"messages": [{"role": "user", "content": "Can I return boots?"}]})
    assert ok.status_code == 200 and keyed.get("/healthz").status_code == 200
    monkeypatch.delenv("TUNEDESK_API_KEYS")
    busy = client(ws, shared_guardrails, ScriptedBackend([GOOD], delay_s=0.5), max_concurrency=1, max_queue=0)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(busy.post("/v1/replies", json={
        "messages": [{"role": "user", "content": "Can I return boots?"}]}).status_code)) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == [200, 503, 503]


def test_feedback_summaries_health_and_metrics(ws: Workspace, shared_guardrails: Guards) -> None:
    c = client(ws, shared_guardrails, mode="approve")
    reply = ask(c, "Can I return boots?", ticket_id="fb-1")
    edited = c.post("/v1/feedback", json={"reply_id": reply["id"], "kind": "edit", "text": "Edited by Sam."})
    assert edited.json()["status"] == "edited"
    assert ReplyLog(ws.store).get(reply["id"]).final_text == "Edited by Sam."
    assert c.post("/v1/feedback", json={"reply_id": reply["id"], "kind": "thumbs_up"}).json()["rating"] == 1
    assert c.post("/v1/feedback", json={"reply_id": "nope", "kind": "approve"}).status_code == 404
    thread = [{"role": "customer", "content": "Hello. My order 100234 arrived broken. The tent pole snapped on "
                                              "day one. I want a replacement please."},
              {"role": "agent", "content": "Sorry to hear that! Could you send a photo of the pole?"},
              {"role": "customer", "content": "Photo attached. I need it before my trip on Friday."}]
    summary = c.post("/v1/summaries", json={"messages": thread, "max_words": 30}).json()
    assert 0 < summary["words"] <= 30 and "100234" in summary["summary"]
    source = " ".join(m["content"] for m in thread)
    sentences = [s.strip() for s in re.split(r"(?:Customer|Agent): ", summary["summary"]) if s.strip()]
    assert sentences and all(s in source for s in sentences)  # extractive: nothing the thread did not say
    assert c.get("/healthz").json()["model_version"] == "scripted"
    metrics = c.get("/metrics").text
    assert "tunedesk_decisions_total" in metrics and "tunedesk_guardrail_seconds_bucket" in metrics


@pytest.fixture
def live_server(ws: Workspace, shared_guardrails: Guards) -> Iterator[str]:
    with serving(client(ws, shared_guardrails).app) as url:
        yield url


def test_the_official_openai_client_works_unchanged(live_server: str) -> None:
    from openai import OpenAI
    from openai.types.chat import ChatCompletionMessageParam

    api = OpenAI(base_url=f"{live_server}/v1", api_key="unused", max_retries=0)
    assert [m.id for m in api.models.list().data] == ["scripted"]
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Can I return my boots? I got them last week."}]
    done = api.chat.completions.create(model="tunedesk", messages=messages)
    assert done.choices[0].message.content == GOOD
    assert done.model_extra is not None and done.model_extra["tunedesk"]["decision"] == "auto_send"
    chunks = list(api.chat.completions.create(model="tunedesk", messages=messages, stream=True))
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks) == GOOD
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra is not None and chunks[-1].model_extra["tunedesk"]["decision"] == "auto_send"
    refused = list(api.chat.completions.create(model="tunedesk", stream=True, messages=[
        {"role": "user", "content": "Who will win the football world cup final?"}]))
    assert refused[-1].model_extra is not None and refused[-1].model_extra["tunedesk"]["decision"] == "refuse"
    assert "".join(ch.choices[0].delta.content or "" for ch in refused).startswith("I'm sorry")


def test_plain_http_replies_streaming_and_not(live_server: str) -> None:
    payload = {"ticket_id": "http-1", "messages": [{"role": "customer", "content": "Can I return my boots?"}]}
    body = httpx.post(f"{live_server}/v1/replies", json=payload, timeout=30).json()
    assert body["decision"] == "auto_send" and body["ticket_id"] == "http-1"
    with httpx.stream("POST", f"{live_server}/v1/replies", json={**payload, "stream": True}, timeout=30) as r:
        lines = [line for line in r.iter_lines() if line]
    deltas = [json.loads(x[6:])["delta"] for x in lines if x.startswith("data: {") and '"delta"' in x]
    decision = json.loads(lines[lines.index("event: decision") + 1][6:])
    assert "".join(deltas) == GOOD and decision["decision"] == "auto_send" and lines[-1] == "data: [DONE]"
