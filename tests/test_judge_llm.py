"""The `llm` judge against fake OpenAI-compatible judges: in-process (httpx.MockTransport) for the answer shapes and
failures, and a real loopback HTTP server for the end-to-end path through the registry, including a timeout."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
import yaml

from tunedesk.config.policies import Policies
from tunedesk.config.stages import LlmJudgeConfig
from tunedesk.errors import ConfigError
from tunedesk.eval.judges import get_judge
from tunedesk.eval.judges.base import Item
from tunedesk.eval.judges.llm import GradeError, LlmJudge, parse_grade
from tunedesk.example.policies_data import policies_yaml

POLICIES = Policies.model_validate(yaml.safe_load(policies_yaml()))
REFERENCE = "Hi there,\n\nYou can return unused items within 30 days of delivery for a full refund."
ESCALATION_REFERENCE = "Hi there,\n\nOur billing team will pick this up today.\n[[escalate: chargeback]]"
Handler = Callable[[httpx.Request], httpx.Response]


def item(n: int, reference: str = REFERENCE, kind: str = "answer") -> Item:
    """A held-out item whose customer asks question number n."""
    messages = [{"role": "system", "content": "You are the support assistant."},
                {"role": "user", "content": f"Question {n}: can I return my boots?"}]
    return Item(id=f"t:{n}", category="returns", kind=kind, messages=messages, reference=reference)


def completion(content: str, status: int = 200) -> httpx.Response:
    """An OpenAI chat-completions response carrying `content`."""
    return httpx.Response(status, json={"choices": [{"message": {"role": "assistant", "content": content}}]})


def scripted(script: dict[str, list[Any]]) -> tuple[Handler, list[dict[str, Any]]]:
    """A fake endpoint answering by the candidate reply it grades: each reply's answers in turn (the last repeats).
    An answer is a text, an httpx.Response, or an exception to raise. Returns the handler and the requests seen."""
    seen: list[dict[str, Any]] = []
    lock = threading.Lock()

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        user = body["messages"][1]["content"]
        reply = user.split("<candidate_reply>\n", 1)[1].split("\n</candidate_reply>", 1)[0]
        with lock:
            seen.append({"body": body, "headers": dict(request.headers), "url": str(request.url)})
            answers = script[reply]
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, httpx.Response) else completion(answer)

    return handle, seen


def judge_with(handler: Handler, **config: Any) -> LlmJudge:
    """An llm judge on the fake endpoint, without waiting between retries."""
    cfg = LlmJudgeConfig(base_url="http://judge.example/v1", model="grader", **config)
    return LlmJudge(llm=cfg, policies=POLICIES, transport=httpx.MockTransport(handler), backoff_s=0)


def test_valid_json_answer_becomes_the_verdict() -> None:
    handler, seen = scripted({"good reply": ['{"score": 3, "reason": "states the 30-day window"}']})
    judge = judge_with(handler)
    [verdict] = judge.judge([item(1)], ["good reply"])
    assert verdict.score == 3 and verdict.reasons == ["states the 30-day window"]
    assert verdict.checks["judge"] == "llm" and verdict.checks["attempts"] == 1
    assert verdict.checks["raw"] == '{"score": 3, "reason": "states the 30-day window"}'
    assert judge.failures == 0 and len(seen) == 1 and seen[0]["url"] == "http://judge.example/v1/chat/completions"


def test_json_in_a_code_fence_with_prose_around_it_is_read() -> None:
    answer = 'Sure! Here is my grade:\n```json\n{"score": 2, "reason": "misses the refund timing"}\n```\nThanks.'
    handler, _ = scripted({"partial reply": [answer]})
    [verdict] = judge_with(handler).judge([item(1)], ["partial reply"])
    assert (verdict.score, verdict.reasons) == (2, ["misses the refund timing"])
    assert verdict.checks["raw"] == answer[:200]


def test_garbage_then_valid_is_retried() -> None:
    handler, seen = scripted({"reply": ["I think this reply is fine.", '{"score": 3, "reason": "ok"}']})
    judge = judge_with(handler, retries=2)
    [verdict] = judge.judge([item(1)], ["reply"])
    assert verdict.score == 3 and verdict.checks["attempts"] == 2 and len(seen) == 2 and judge.failures == 0


def test_always_garbage_is_counted_and_the_run_goes_on_in_order() -> None:
    handler, seen = scripted({"first": ['{"score": 3, "reason": "a"}'], "second": ["no idea", '{"score": 7}'],
                              "third": ['{"score": 1, "reason": "c"}']})
    judge = judge_with(handler, retries=2)
    verdicts = judge.judge([item(1), item(2), item(3)], ["first", "second", "third"])
    assert [v.score for v in verdicts] == [3, 1, 1]
    assert verdicts[0].reasons == ["a"] and verdicts[2].reasons == ["c"]
    failed = verdicts[1]
    assert failed.checks["judge_failed"] is True and failed.checks["attempts"] == 3
    assert failed.reasons == ["judge failed after 3 attempt(s): score 7 is not 1, 2 or 3"]
    assert "judge_failed" not in verdicts[0].checks and "judge_failed" not in verdicts[2].checks
    assert judge.failures == 1 and len(seen) == 5


def test_server_error_is_retried_then_counted_without_echoing_the_body() -> None:
    echoed = httpx.Response(500, text="internal error while handling: Question 2: can I return my boots?")
    handler, seen = scripted({"recovers": [httpx.Response(500), '{"score": 3, "reason": "fine"}'],
                              "keeps failing": [echoed]})
    judge = judge_with(handler, retries=1)
    recovered, failed = judge.judge([item(1), item(2)], ["recovers", "keeps failing"])
    assert recovered.score == 3 and recovered.checks["attempts"] == 2
    assert failed.score == 1 and failed.checks["judge_failed"] is True
    assert failed.reasons == ["judge failed after 2 attempt(s): HTTP 500 from the judge endpoint"]
    assert "Question 2" not in json.dumps(failed.checks) + failed.reasons[0]
    assert judge.failures == 1 and len(seen) == 4


def test_timeout_is_retried_then_counted() -> None:
    handler, seen = scripted({"slow": [httpx.ReadTimeout("timed out")]})
    judge = judge_with(handler, retries=1, timeout_s=0.5)
    [verdict] = judge.judge([item(1)], ["slow"])
    assert verdict.checks["judge_failed"] is True and verdict.reasons == [
        "judge failed after 2 attempt(s): no answer within 0.5 s"]
    assert judge.failures == 1 and len(seen) == 2


def test_request_carries_rubric_reference_reply_settings_and_bearer_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNEDESK_TEST_JUDGE_KEY", "sk-test-0123")
    handler, seen = scripted({"Returns are free within 30 days.": ['{"score": 3, "reason": "ok"}']})
    judge_with(handler, api_key_env="TUNEDESK_TEST_JUDGE_KEY").judge([item(1)], ["Returns are free within 30 days."])
    request = seen[0]
    body = request["body"]
    assert request["headers"]["authorization"] == "Bearer sk-test-0123"
    assert body["temperature"] == 0 and body["response_format"] == {"type": "json_object"}
    assert body["model"] == "grader"
    system, user = body["messages"][0], body["messages"][1]
    assert system["role"] == "system" and user["role"] == "user"
    for rule in ("3 (correct)", "2 (partial)", "1 (wrong)", "[[escalate: reason_code]]", "contradicts",
                 "Order numbers, amounts, dates, URLs", "decline", '"score"'):
        assert rule in system["content"]
    assert "<reference_reply>\n" + REFERENCE + "\n</reference_reply>" in user["content"]
    assert "<candidate_reply>\nReturns are free within 30 days.\n</candidate_reply>" in user["content"]
    assert "Customer: Question 1: can I return my boots?" in user["content"]
    assert POLICIES.facts["return_window_days"].text in user["content"]
    assert "You are the support assistant." not in user["content"]  # the system prompt is not the conversation


def test_a_missing_api_key_is_a_config_error_naming_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUNEDESK_TEST_ABSENT_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"eval\.llm\.api_key_env.*TUNEDESK_TEST_ABSENT_KEY"):
        LlmJudge(llm=LlmJudgeConfig(api_key_env="TUNEDESK_TEST_ABSENT_KEY"), policies=POLICIES)


def test_concurrent_requests_keep_the_order_of_items() -> None:
    in_flight, peak, lock = [0], [0], threading.Lock()

    def handle(request: httpx.Request) -> httpx.Response:
        user = json.loads(request.content)["messages"][1]["content"]
        n = int(user.split("<candidate_reply>\nreply ", 1)[1].split("\n", 1)[0])
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.02 * (6 - n))  # the first items answer last
        with lock:
            in_flight[0] -= 1
        return completion(json.dumps({"score": n % 3 + 1, "reason": f"item {n}"}))

    verdicts = judge_with(handle, concurrency=3).judge([item(n) for n in range(6)], [f"reply {n}" for n in range(6)])
    assert [v.reasons for v in verdicts] == [[f"item {n}"] for n in range(6)]
    assert [v.score for v in verdicts] == [n % 3 + 1 for n in range(6)]
    assert 2 <= peak[0] <= 3


def test_rubric_checks_are_kept_so_eval_metrics_still_count() -> None:
    handler, _ = scripted({"We will refund you.": ['{"score": 1, "reason": "missed the escalation"}']})
    [verdict] = judge_with(handler).judge([item(1, ESCALATION_REFERENCE, "escalation")], ["We will refund you."])
    assert verdict.score == 1 and verdict.reasons == ["missed the escalation"]
    assert verdict.checks["escalation_expected"] is True and verdict.checks["escalation_predicted"] is False
    assert verdict.checks["rubric_score"] == 1 and "hallucinations" in verdict.checks


@pytest.mark.parametrize(("text", "grade"), [
    ('{"score": "2", "reason": " partly "}', (2, "partly")),
    ('{"score": 3}', (3, "no reason given")),
    ('Result: {"verdict": {"score": 1, "reason": "wrong"}}', (1, "wrong")),
    ('{not json} then {"score": 2, "reason": "x"}', (2, "x")),
])
def test_grades_are_read_leniently(text: str, grade: tuple[int, str]) -> None:
    assert parse_grade(text) == grade


@pytest.mark.parametrize("text", ["", "score: 3", '{"score": 4}', '{"score": true}', '{"score": 2.5}', "{}"])
def test_answers_without_a_grade_are_rejected(text: str) -> None:
    with pytest.raises(GradeError):
        parse_grade(text)


class _FakeJudgeServer(BaseHTTPRequestHandler):
    """Grades 3 unless the reply asks it to be slow; records each request's path and Authorization header."""

    requests: ClassVar[list[tuple[str, str | None]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append((self.path, self.headers.get("Authorization")))
        if "please be slow" in body["messages"][1]["content"]:
            time.sleep(1.0)
        payload = json.dumps({"choices": [{"message": {"content": '{"score": 3, "reason": "served"}'}}]}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the judge gave up waiting and closed the connection
            pass

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def judge_server() -> Iterator[str]:
    """A fake OpenAI-compatible judge on loopback; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeJudgeServer)
    _FakeJudgeServer.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/"
    server.shutdown()
    server.server_close()


def test_end_to_end_through_the_registry_on_loopback(judge_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNEDESK_TEST_JUDGE_KEY", "sk-loopback")
    cfg = LlmJudgeConfig(base_url=judge_server, api_key_env="TUNEDESK_TEST_JUDGE_KEY", timeout_s=0.2, retries=0)
    judge = get_judge("llm", llm=cfg, policies=POLICIES, kb_texts=["Boots ship in 2 days."], similarity=True)
    started = time.monotonic()
    verdicts = judge.judge([item(1), item(2)], ["Returns are free within 30 days.", "please be slow"])
    assert time.monotonic() - started < 1.0  # the slow grade was abandoned at the timeout
    assert isinstance(judge, LlmJudge) and judge.name == "llm"
    assert verdicts[0].score == 3 and verdicts[0].reasons == ["served"]
    assert verdicts[1].checks["judge_failed"] is True and "no answer within 0.2 s" in verdicts[1].reasons[0]
    assert judge.failures == 1
    assert _FakeJudgeServer.requests[0] == ("/v1/chat/completions", "Bearer sk-loopback")
