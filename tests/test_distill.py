"""Distillation targets: an endpoint faked with httpx.MockTransport, a local teacher (tiny random model and a scripted
fake), the escalation-marker contract, and the files written."""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from tiny_model import tiny_model_folder
from tunedesk.checks.marker import add_marker
from tunedesk.config.stages import TeacherConfig
from tunedesk.errors import ConfigError
from tunedesk.models.base import load_tokenizer
from tunedesk.models.protocols import CausalLM
from tunedesk.train.distill import distill_rows, write_distilled

ENDPOINT = "http://teacher.example:8000/v1"
SYSTEM = "You are the support assistant of Example Outfitters. Be warm and brief."
ANSWERS = {
    1: "Standard shipping is free on orders over $75.",
    2: "Exchanges are free within 30 days of delivery.",
}


def _row(n: int, kind: str, question: str, target: str) -> dict[str, Any]:
    return {"id": f"demo:{n}#1", "ticket_id": f"demo:{n}", "category": "shipping", "kind": kind, "split": "train",
            "metadata": {"policy_version": "2026-11"},
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question},
                         {"role": "assistant", "content": target}]}


def _rows() -> list[dict[str, Any]]:
    return [
        _row(1, "answer", "question 1: is shipping free?", ANSWERS[1]),
        _row(2, "escalation", "question 2: I will dispute the charge with my bank.",
             add_marker("I'm sorry about this; our billing team will take it from here.", "chargeback")),
        _row(3, "refusal", "question 3: can you write my essay?", "I can only help with Example Outfitters orders."),
        _row(4, "answer", "question 4: are exchanges free?", ANSWERS[2]),
    ]


def _completion(text: str | None, finish: str = "stop") -> httpx.Response:
    return httpx.Response(200, json={"choices": [{"index": 0, "finish_reason": finish,
                                                  "message": {"role": "assistant", "content": text}}]})


class FakeEndpoint:
    """An OpenAI-compatible endpoint: `reply(n, body)` answers the conversation about "question n"."""

    def __init__(self, reply: Callable[[int, dict[str, Any]], httpx.Response]) -> None:
        self.reply = reply
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        body = json.loads(request.content)
        found = re.search(r"question (\d+)", body["messages"][-1]["content"])
        assert found is not None
        n = int(found.group(1))
        return self.reply(n, body)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def _teacher(**overrides: Any) -> TeacherConfig:
    return TeacherConfig(**{"endpoint": ENDPOINT, "model": "big-teacher", "api_key_env": "TD_TEST_TEACHER_KEY",
                            "kinds": ["answer", "escalation"], "max_new_tokens": 64, **overrides})


def test_endpoint_rewrites_final_reply_and_keeps_the_original(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TD_TEST_TEACHER_KEY", raising=False)
    fake = FakeEndpoint(lambda n, _: _completion(f"  Teacher answer {n}.\n"))
    rows = _rows()[:1]
    before = copy.deepcopy(rows)
    result = distill_rows(rows, _teacher(temperature=0.3), transport=fake.transport)

    assert rows == before  # the caller's rows are not modified
    (row,) = result.rows
    assert row["messages"][:2] == before[0]["messages"][:2]
    assert row["messages"][-1] == {"role": "assistant", "content": "Teacher answer 1."}
    assert row["metadata"] == {"policy_version": "2026-11",
                               "distilled": {"teacher": "big-teacher", "original": ANSWERS[1]}}
    (request,) = fake.requests
    assert str(request.url) == f"{ENDPOINT}/chat/completions"
    assert "authorization" not in request.headers  # no key in the environment: no header
    assert json.loads(request.content) == {"model": "big-teacher", "messages": before[0]["messages"][:2],
                                           "max_tokens": 64, "temperature": 0.3}
    assert result.counts == {"rows": 1, "asked": 1, "rewritten": 1, "kept_original": 0, "failed": 0}


def test_only_the_configured_kinds_go_to_the_teacher() -> None:
    fake = FakeEndpoint(lambda n, _: _completion(f"Teacher answer {n}."))
    rows = _rows()
    result = distill_rows(rows, _teacher(kinds=["answer"]), transport=fake.transport)

    asked = sorted(b["messages"][-1]["content"].split(":")[0] for b in fake.bodies())
    assert asked == ["question 1", "question 4"]
    assert result.rows[1] == rows[1] and result.rows[2] == rows[2]
    assert [r["messages"][-1]["content"] for r in (result.rows[0], result.rows[3])] == ["Teacher answer 1.",
                                                                                         "Teacher answer 4."]
    assert result.counts == {"rows": 4, "asked": 2, "rewritten": 2, "kept_original": 2, "failed": 0}


def test_failed_replies_keep_the_original_and_the_run_goes_on() -> None:
    def reply(n: int, _: dict[str, Any]) -> httpx.Response:
        if n == 1:
            return httpx.Response(500, json={"error": "overloaded"})
        if n == 2:
            raise httpx.ReadTimeout("read timed out")
        if n == 3:
            return _completion("   ")
        if n == 4:
            return _completion("Standard shipping is free on orders over", finish="length")
        if n == 5:
            return httpx.Response(200, text="<html>gateway</html>")
        return _completion(f"Teacher answer {n}.")

    rows = [_row(n, "answer", f"question {n}?", f"Original answer {n}.") for n in range(1, 7)]
    result = distill_rows(rows, _teacher(timeout_s=5), transport=FakeEndpoint(reply).transport)

    assert [r["messages"][-1]["content"] for r in result.rows] == [
        "Original answer 1.", "Original answer 2.", "Original answer 3.", "Original answer 4.",
        "Original answer 5.", "Teacher answer 6."]
    assert all("distilled" not in r["metadata"] for r in result.rows[:5])
    reasons = {f.row_id: f.reason for f in result.failures}
    assert list(reasons) == ["demo:1#1", "demo:2#1", "demo:3#1", "demo:4#1", "demo:5#1"]
    assert reasons["demo:1#1"] == "HTTP 500 from the endpoint"
    assert reasons["demo:2#1"] == "timeout after 5 s"
    assert reasons["demo:3#1"] == "empty reply"
    assert "cut off at max_new_tokens (64)" in reasons["demo:4#1"]
    assert reasons["demo:5#1"] == "endpoint reply is not JSON"
    assert result.counts == {"rows": 6, "asked": 6, "rewritten": 1, "kept_original": 5, "failed": 5}


def test_escalation_marker_must_match_the_row() -> None:
    replies = {
        1: "Happy to help! [[escalate: refund_exception]]",  # an answer row that escalates
        2: "I'm sorry; a colleague will look at this.",  # an escalation row without its marker
        4: "Exchanges are free within 30 days.",
    }
    rows = _rows()
    result = distill_rows(rows, _teacher(), transport=FakeEndpoint(lambda n, _: _completion(replies[n])).transport)

    reasons = {f.row_id: f.reason for f in result.failures}
    assert reasons == {"demo:1#1": "reply escalates (refund_exception) but the row is not an escalation",
                       "demo:2#1": "reply drops the escalation marker of an escalation row"}
    assert result.rows[0] == rows[0] and result.rows[1] == rows[1]
    assert result.rows[3]["messages"][-1]["content"] == "Exchanges are free within 30 days."


def test_escalation_reply_gets_the_exact_marker_with_builds_reason() -> None:
    reply = "I'm so sorry. [[ ESCALATE: Billing-Dispute ]]\nOur billing team will contact you today."
    rows = _rows()
    result = distill_rows(rows, _teacher(kinds=["escalation"]),
                          transport=FakeEndpoint(lambda n, _: _completion(reply)).transport)

    assert result.rows[1]["messages"][-1]["content"] == (
        "I'm so sorry. \nOur billing team will contact you today.\n[[escalate: chargeback]]")
    assert result.rows[1]["metadata"]["distilled"]["original"] == rows[1]["messages"][-1]["content"]
    assert result.failures == [] and result.counts["rewritten"] == 1


def test_concurrent_requests_neither_lose_nor_reorder_rows() -> None:
    in_flight, peak, lock = 0, 0, threading.Lock()

    def reply(n: int, _: dict[str, Any]) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.002 * (24 - n))  # early rows finish last
        with lock:
            in_flight -= 1
        return _completion(f"Teacher answer {n}.")

    rows = [_row(n, "answer", f"question {n}?", f"Original {n}.") for n in range(24)]
    result = distill_rows(rows, _teacher(concurrency=4), transport=FakeEndpoint(reply).transport)

    assert [r["id"] for r in result.rows] == [f"demo:{n}#1" for n in range(24)]
    assert [r["messages"][-1]["content"] for r in result.rows] == [f"Teacher answer {n}." for n in range(24)]
    assert 1 < peak <= 4
    assert result.counts == {"rows": 24, "asked": 24, "rewritten": 24, "kept_original": 0, "failed": 0}


def test_api_key_is_sent_but_never_written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = "sk-test-0123456789abcdef"
    monkeypatch.setenv("TD_TEST_TEACHER_KEY", key)
    fake = FakeEndpoint(lambda n, _: _completion(f"Teacher answer {n}.") if n == 1 else httpx.Response(401))
    result = distill_rows(_rows(), _teacher(), transport=fake.transport)
    paths = write_distilled(result, tmp_path / "train.distilled.jsonl")

    assert {r.headers["authorization"] for r in fake.requests} == {f"Bearer {key}"}
    assert result.failures[0].reason == "HTTP 401 from the endpoint"
    for path in paths.values():
        assert key not in path.read_text(encoding="utf-8")
    assert key not in repr(result)


def test_write_distilled_writes_rows_and_summary(tmp_path: Path) -> None:
    replies = {1: _completion("Teacher answer 1."), 2: _completion(add_marker("Sorry.", "chargeback")),
               4: httpx.Response(503)}
    fake = FakeEndpoint(lambda n, _: replies[n])
    result = distill_rows(_rows(), _teacher(), transport=fake.transport)
    paths = write_distilled(result, tmp_path / "data" / "train.distilled.jsonl")

    assert paths == {"rows": tmp_path / "data" / "train.distilled.jsonl",
                     "summary": tmp_path / "data" / "train.distilled.summary.json"}
    lines = paths["rows"].read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == result.rows
    summary = json.loads(paths["summary"].read_text(encoding="utf-8"))
    assert summary["teacher"] == "big-teacher" and summary["rows_file"] == "train.distilled.jsonl"
    assert summary["counts"] == {"rows": 4, "asked": 3, "rewritten": 2, "kept_original": 2, "failed": 1}
    assert summary["failures"] == [{"id": "demo:4#1", "reason": "HTTP 503 from the endpoint"}]
    assert sorted(p.name for p in paths["rows"].parent.iterdir()) == ["train.distilled.jsonl",
                                                                      "train.distilled.summary.json"]


@pytest.mark.parametrize(("teacher", "expected"), [
    (TeacherConfig(), "train.teacher.model: no teacher is set"),
    (TeacherConfig(endpoint=ENDPOINT), "train.teacher.model: no teacher is set; give the model name served at"),
    (TeacherConfig(endpoint="teacher.example/v1", model="m"), "train.teacher.endpoint: 'teacher.example/v1'"),
    (TeacherConfig(endpoint="http://teacher.example:x/v1", model="m"), "train.teacher.endpoint: 'http://"),
])
def test_teacher_without_a_model_is_a_config_error(teacher: TeacherConfig, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        distill_rows(_rows(), teacher)
    assert expected in str(caught.value)


def test_unreadable_rows_are_failures_not_crashes() -> None:
    ends_with_user = _row(7, "answer", "question 7", "x")
    ends_with_user["messages"] = ends_with_user["messages"][:2]
    no_text = _row(8, "answer", "question 8", "x")
    no_text["messages"][1]["content"] = None
    rows: list[Any] = ["not a row", {"id": "demo:6#1", "kind": "answer"}, ends_with_user, no_text,
                       _row(9, "answer", "question 9", "Original 9.")]
    before = copy.deepcopy(rows)
    result = distill_rows(rows, _teacher(), transport=FakeEndpoint(lambda n, _: _completion(f"T{n}.")).transport)

    assert result.rows[:4] == before[:4]
    assert result.rows[4]["messages"][-1]["content"] == "T9."
    assert [(f.row_id, f.reason.split(":")[0]) for f in result.failures] == [
        ("demo:6#1", "messages"), ("demo:7#1", "messages[1]"), ("demo:8#1", "messages[1]")]


class ScriptedModel:
    """A stand-in causal LM: answers "question n" with "Answer n" then eos (or never stops for n == 99)."""

    def __init__(self, tokenizer: Any) -> None:
        import torch

        self.tokenizer, self.weight = tokenizer, torch.nn.Parameter(torch.zeros(1))
        self.generation_config = type("GenerationConfig", (), {"eos_token_id": tokenizer.eos_token_id})()
        self.left_padded: list[bool] = []

    def parameters(self) -> Any:
        return iter([self.weight])

    def eval(self) -> ScriptedModel:
        return self

    def generate(self, input_ids: Any, attention_mask: Any, max_new_tokens: int, **_: Any) -> Any:
        import torch

        self.left_padded.append(bool((attention_mask[:, -1] == 1).all()))
        rows = []
        for ids in input_ids.tolist():
            n = int(re.findall(r"question (\d+)", self.tokenizer.decode(ids))[-1])
            reply = self.tokenizer.encode(f"Answer {n}.", add_special_tokens=False)
            reply = reply * 20 if n == 99 else [*reply, self.tokenizer.eos_token_id]
            reply = (reply + [self.tokenizer.pad_token_id] * max_new_tokens)[:max_new_tokens]
            rows.append(ids + reply)
        return torch.tensor(rows)


def test_local_teacher_batches_with_left_padding_and_keeps_order() -> None:
    tokenizer = load_tokenizer(str(tiny_model_folder()))
    model = ScriptedModel(tokenizer)
    numbers = [*range(1, 11), 99]
    rows = [_row(n, "answer", f"question {n}" + " please" * (n % 5), f"Original {n}.") for n in numbers]
    # ScriptedModel stands in for the part of CausalLM that local distillation calls (eval, parameters, generate
    # with keyword tensors); it does not move, score or save, so it is cast rather than made a full model.
    result = distill_rows(rows, TeacherConfig(model="scripted", max_new_tokens=12),
                          base_loader=lambda name: (cast(CausalLM, model), tokenizer))

    assert model.left_padded == [True, True]  # 11 rows: two batches
    assert [r["messages"][-1]["content"] for r in result.rows] == [
        *(f"Answer {n}." for n in range(1, 11)), "Original 99."]
    assert result.rows[0]["metadata"]["distilled"] == {"teacher": "scripted", "original": "Original 1."}
    assert [(f.row_id, f.reason.split(";")[0]) for f in result.failures] == [
        ("demo:99#1", "reply cut off at max_new_tokens (12)")]


def test_local_teacher_runs_the_tiny_random_model() -> None:
    rows = [_row(n, "answer", f"question {n}: is shipping free?", f"Original {n}.") for n in range(3)]
    result = distill_rows(rows, TeacherConfig(model=str(tiny_model_folder()), max_new_tokens=8))

    # Random weights never emit eos within 8 greedy tokens: every reply is cut off, so build's targets stay.
    assert result.rows == rows
    assert [(f.row_id, f.reason.split(";")[0]) for f in result.failures] == [
        (f"demo:{n}#1", "reply cut off at max_new_tokens (8)") for n in range(3)]
    assert result.counts == {"rows": 3, "asked": 3, "rewritten": 0, "kept_original": 3, "failed": 3}
