"""Server limits that hold, each against a real uvicorn on loopback: the body cap counts the bytes received (a chunked
body too), blank customer messages get 422, every error has one JSON shape, and a prompt longer than the model's
context is cut (oldest turns first, never the policies) with the cut logged without message text. Also: the browser
test fails instead of skipping in CI when no Chromium is found."""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tunedesk.answer.backends.fit import KB_HEADER, fit_prompt
from tunedesk.answer.backends.scripted import ScriptedBackend, word_tokens
from tunedesk.answer.types import GenerationRequest
from tunedesk.config.serve import ServeConfig
from tunedesk.records import ReplyResult, TicketIn
from tunedesk.scaffold import init_workspace
from tunedesk.serve.app import ServerSettings, create_app
from tunedesk.serve.background import serving
from tunedesk.serve.limits import ApiKeys
from tunedesk.workspace import Workspace

CAP = 4096
NO_KEYS = ApiKeys("TUNEDESK_TEST_UNSET_KEYS")  # loopback may write without a key


class CountingResponder:
    """Answers every ticket at once and remembers it: whatever reaches it would have reached the backend."""

    model_version = "fake-1"

    def __init__(self) -> None:
        self.tickets: list[TicketIn] = []

    def respond(self, ticket: TicketIn) -> ReplyResult:
        """A fixed reply."""
        self.tickets.append(ticket)
        return ReplyResult(id="r1", ticket_id=ticket.id, reply="Hi there.", decision="needs_approval",
                           confidence="low", confidence_score=0.1, escalate=False, reasons=[], category=None,
                           sources=[], model_version="fake-1", latency_ms=1.0, mode="approve", rollout_bucket=0)


@pytest.fixture(scope="module")
def responder() -> CountingResponder:
    return CountingResponder()


@pytest.fixture(scope="module")
def url(responder: CountingResponder) -> Iterator[str]:
    fake: Any = responder  # duck-typed: the routes only call respond
    with serving(create_app(ServerSettings(ServeConfig(max_request_bytes=CAP), fake, api_keys=NO_KEYS))) as base:
        yield base


def post_chunked(url: str, path: str, body: bytes, chunk: int = 65_536) -> tuple[int, dict[str, Any]]:
    """POST with Transfer-Encoding: chunked (no Content-Length), the body in pieces as a streaming client sends it."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("POST", path, body=(body[i:i + chunk] for i in range(0, len(body), chunk)),
                     headers={"Content-Type": "application/json"}, encode_chunked=True)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def thread(text: str) -> bytes:
    return json.dumps({"messages": [{"role": "customer", "content": text}]}).encode()


def assert_error_shape(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"], body


def refused(url: str, path: str, body: bytes, chunk: int, responder: CountingResponder,
            before: int) -> tuple[int, dict[str, Any]]:
    """A chunked POST over the cap, sent until the answer arrives. A client still sending when the server answers
    413 and closes may get a connection reset instead of the answer (a race of the transport, more likely under
    load): the backend must not have been reached then either, and the request is sent again (three tries)."""
    for _ in range(3):
        try:
            return post_chunked(url, path, body, chunk)
        except (ConnectionResetError, BrokenPipeError):
            assert len(responder.tickets) == before
    raise AssertionError(f"{path}: the connection was reset three times, no answer read")


def test_a_chunked_body_over_the_cap_gets_413_and_never_reaches_the_backend(url: str,
                                                                            responder: CountingResponder) -> None:
    before = len(responder.tickets)
    status, body = refused(url, "/v1/replies", thread("x" * 200_000), 65_536, responder, before)
    assert status == 413
    assert_error_shape(body, "too_large")
    status, body = refused(url, "/v1/chat/completions", thread("y" * (CAP + 10)), 100, responder, before)
    assert status == 413
    status, body = post_chunked(url, "/v1/replies", thread("Can I return my boots?"), chunk=7)
    assert status == 200 and body["reply"] == "Hi there." and len(responder.tickets) == before + 1


def test_a_declared_content_length_over_the_cap_gets_413(url: str, responder: CountingResponder) -> None:
    before = len(responder.tickets)
    response = httpx.post(f"{url}/v1/replies", content=thread("x" * 300_000),
                          headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 413 and response.headers["content-type"] == "application/json"
    assert_error_shape(response.json(), "too_large")
    assert len(responder.tickets) == before


@pytest.mark.parametrize("messages", [
    [{"role": "customer", "content": ""}],
    [{"role": "user", "content": "  \n\t "}],
    [{"role": "user", "content": "\u200b\ufeff "}],
    [{"role": "user"}],
    [{"role": "customer", "content": " "}, {"role": "agent", "content": "Hello?"}, {"role": "customer", "body": ""}],
    [{"role": "customer", "content": "Where is my order?"}, {"role": "customer", "content": "   "}],
], ids=["empty", "whitespace", "invisible", "missing", "every-customer-turn-blank", "last-turn-blank"])
@pytest.mark.parametrize("path", ["/v1/replies", "/v1/chat/completions"])
def test_a_blank_customer_message_gets_422(url: str, responder: CountingResponder, messages: list[dict[str, str]],
                                           path: str) -> None:
    before = len(responder.tickets)
    response = httpx.post(f"{url}{path}", json={"messages": messages}, timeout=10)
    assert response.status_code == 422, response.text
    assert_error_shape(response.json(), "invalid_request")
    assert "blank" in response.json()["error"]["message"] and len(responder.tickets) == before


def test_blank_turns_before_the_last_message_are_left_out(url: str, responder: CountingResponder) -> None:
    response = httpx.post(f"{url}/v1/replies", timeout=10, json={"messages": [
        {"role": "customer", "content": " "}, {"role": "customer", "content": "Where is my order?"}]})
    assert response.status_code == 200
    assert responder.tickets[-1].messages == [{"role": "user", "content": "Where is my order?"}]


@pytest.mark.parametrize(("body", "status", "code"), [
    (b'{"messages": [{"role": "customer", "content": "caf\xe9 au lait \xff"}]}', 400, "invalid_request"),
    (b'{"messages": [{"role": "customer", "content": "unfinished', 422, "invalid_request"),
    (b"\x80\x81garbage", 400, "invalid_request"),
    (b"\xff\xfe\x00garbage", 422, "invalid_request"),  # a UTF-16 mark: decoded as UTF-16, then not JSON
], ids=["latin-1", "malformed-json", "binary", "utf16-bom"])
def test_a_body_that_is_not_utf8_json_gets_the_one_error_shape(url: str, body: bytes, status: int,
                                                               code: str) -> None:
    response = httpx.post(f"{url}/v1/replies", content=body, headers={"Content-Type": "application/json"},
                          timeout=10)
    assert response.status_code == status, response.text
    assert_error_shape(response.json(), code)


def test_unknown_paths_and_methods_get_the_one_error_shape(url: str) -> None:
    missing = httpx.get(f"{url}/v1/nope", timeout=10)
    assert missing.status_code == 404
    assert_error_shape(missing.json(), "not_found")
    wrong = httpx.get(f"{url}/v1/replies", timeout=10)
    assert wrong.status_code == 405
    assert_error_shape(wrong.json(), "method_not_allowed")


# --- prompts cut to the model's context ---------------------------------------------------------------------------

LONG_TURN = "My tent pole snapped on the second night and the replacement pole snapped as well. "


def fake_embedder(texts: list[str]) -> list[list[float]]:
    """Letter counts: enough for the guardrails to build, fast."""
    return [[float(t.lower().count(c)) + 0.1 for c in "aeioust"] for t in texts]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("limits") / "ws"
    init_workspace(root, example=False)
    workspace = Workspace.open(root)
    workspace.config.serve.rollout_percent = 100
    return workspace


def test_a_thread_longer_than_the_context_is_cut_oldest_turns_first_and_logged(
        ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    from tunedesk.answer.setup import build_responder

    context, room = 700, 700 - ws.config.serve.backend.max_new_tokens
    backend = ScriptedBackend(["Hi there,\n\nI'm sorry about the pole; a new one is on its way.\n\nBest regards"],
                              context_tokens=context)
    responder = build_responder(ws, backend=backend, embedder=fake_embedder, version="run-test")
    turns = []
    for i in range(15):
        turns += [{"role": "customer", "content": f"Day {i}. " + LONG_TURN * 6},
                  {"role": "agent", "content": f"Reply {i}: sorry to hear about the pole. " * 5}]
    last = "Can you send me a new pole before Friday, please?"
    caplog.set_level(logging.WARNING, logger="tunedesk.prompt")
    with serving(create_app(ServerSettings(ws.config.serve, responder, api_keys=NO_KEYS))) as base:
        long = httpx.post(f"{base}/v1/replies", json={"ticket_id": "T-long", "messages": [
            *turns, {"role": "customer", "content": last}]}, timeout=30)
    assert long.status_code == 200, long.text
    assert "model_unavailable" not in long.json()["reasons"] and long.json()["model_version"] == "scripted"
    [cut] = backend.requests
    whole = [{"role": "user" if t["role"] == "customer" else "assistant", "content": t["content"]} for t in turns]
    system = responder.contexts.build(TicketIn(id="T-long", messages=[*whole, {"role": "user", "content": last}]))
    assert cut.messages[0] == {"role": "system", "content": system.system_prompt}  # the policies whole
    assert word_tokens(cut.messages) <= room < word_tokens([cut.messages[0], *whole, {"content": last}])
    assert cut.messages[-1] == {"role": "user", "content": last} and cut.messages[1]["role"] == "user"
    kept = [m["content"] for m in cut.messages[1:-1]]
    assert kept == [t["content"] for t in turns[len(turns) - len(kept):]]  # the newest turns, as they were
    logged = [r.getMessage() for r in caplog.records if r.name == "tunedesk.prompt"]
    assert len(logged) == 1 and "oldest turn(s)" in logged[0] and f"room {room}" in logged[0]
    assert "pole" not in logged[0] and "Day" not in logged[0]  # sizes only, no message text


def test_fit_keeps_the_policies_drops_kb_articles_and_cuts_the_middle_of_the_longest_message() -> None:
    policies = "You are the support assistant. Returns within 30 days. " * 5
    articles = "\n".join(f"- Article {i}: " + "words about the topic " * 20 for i in range(3))
    question = "START of my question. " + "filler text here " * 400 + "the END of it?"
    messages = [{"role": "system", "content": policies + KB_HEADER + articles},
                {"role": "user", "content": question}]
    fitted, cut = fit_prompt(messages, word_tokens, 300)
    assert cut is not None and word_tokens(fitted) <= 300 == cut.limit and cut.tokens_before > 1000
    assert fitted[0]["content"].startswith(policies) and cut.articles_dropped >= 1
    assert fitted[1]["content"].startswith("START") and fitted[1]["content"].endswith("END of it?")
    assert " […] " in fitted[1]["content"] and cut.chars_cut > 0
    assert messages[1]["content"] == question  # the caller's messages are left as they were
    assert fit_prompt(messages, word_tokens, 10_000) == (messages, None)


def test_the_kb_header_the_fit_looks_for_is_the_one_the_context_writes(ws: Workspace) -> None:
    from tunedesk.answer.context import ContextBuilder
    from tunedesk.records import Article

    ws.store.upsert_articles([Article(id="kb:poles", source="kb", external_id="poles", title="Tent poles",
                                      body="Snapped tent poles are replaced free within a year.")])
    context = ContextBuilder(ws, 3, fake_embedder).build(TicketIn(id="T-kb", messages=[
        {"role": "user", "content": "My tent pole snapped, can you replace it?"}]))
    assert context.sources and KB_HEADER + "- Tent poles: " in context.system_prompt


def test_the_transformers_backend_cuts_a_prompt_longer_than_its_context() -> None:
    from tiny_model import tiny_model_folder
    from tunedesk.answer.backends.transformers import TransformersBackend
    from tunedesk.models.candidate import load_candidate

    backend = TransformersBackend(load_candidate(Path("."), "base", str(tiny_model_folder()), None))
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"Turn {i}. " + LONG_TURN * 20}
             for i in range(20)]
    request = GenerationRequest(messages=[{"role": "system", "content": "You are a support assistant."}, *turns,
                                          {"role": "user", "content": "Where is my new pole?"}], max_new_tokens=8)
    completion = backend.generate(request)
    assert 0 < completion.prompt_tokens <= 2048 - 8  # the tiny model's max_position_embeddings less max_new_tokens
    assert backend.context_tokens == 2048


class WordLlama:
    """Stands in for llama_cpp.Llama where the prompt is built: one token a word, a small context."""

    def n_ctx(self) -> int:
        """The context."""
        return 300

    def tokenize(self, text: bytes, add_bos: bool = False, special: bool = True) -> list[int]:
        """One token a word."""
        return list(range(len(text.split())))


def test_the_llamacpp_backend_cuts_a_prompt_longer_than_n_ctx_instead_of_failing() -> None:
    from types import SimpleNamespace

    from tunedesk.answer.backends.llamacpp import LlamaCppBackend

    backend: Any = object.__new__(LlamaCppBackend)  # no GGUF file, no llama_cpp: only the prompt is built
    backend.llm = WordLlama()
    backend.formatter = lambda messages: SimpleNamespace(prompt="\n".join(m["content"] for m in messages))
    turns = [{"role": "user", "content": f"Turn {i}. " + LONG_TURN * 3} for i in range(10)]
    prompt = backend._prompt(GenerationRequest(messages=turns, max_new_tokens=50))
    assert 0 < len(prompt) <= 300 - 50


# --- CI runs the browser test -----------------------------------------------------------------------------------

def test_without_chromium_the_browser_test_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    import test_ui

    monkeypatch.setattr(test_ui, "CHROMIUM", tmp_path / "no-chromium")
    for name in ("CI", "TUNEDESK_CI"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium is missing"):
        test_ui.browser_or_skip()
    for name in ("CI", "TUNEDESK_CI"):
        monkeypatch.setenv(name, "1")
        with pytest.raises(pytest.fail.Exception, match="in CI the browser walk must run"):
            test_ui.browser_or_skip()
        monkeypatch.delenv(name)


@pytest.mark.parametrize(("uid", "installed"), [("0", True), ("1000", False)])
def test_ci_run_installs_chromium_when_missing_and_runs_the_tests_in_ci_mode(tmp_path: Path, uid: str,
                                                                            installed: bool) -> None:
    import shutil
    import subprocess

    stubs, calls = tmp_path / "bin", tmp_path / "calls"
    stubs.mkdir()
    for tool in ("dirname", "ls", "sort", "tail", "mktemp", "chmod"):
        (stubs / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    scripts = {"id": f"echo {uid}",  # apt-get "installs" chromium by putting a stub on PATH
               "apt-get": f'echo "apt-get $*" >> {calls}; case "$*" in *install*) '
                          f'printf "#!/bin/sh\\n" > {stubs}/chromium; chmod +x {stubs}/chromium;; esac',
               "make": f'echo "make $* TUNEDESK_CI=$TUNEDESK_CI chromium=$(command -v chromium || echo none)" '
                       f'>> {calls}'}
    for name, body in scripts.items():
        (stubs / name).write_text(f"#!/bin/sh\n{body}\n")
        (stubs / name).chmod(0o755)
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run(["/bin/sh", str(root / ".ci" / "run")], env={"PATH": str(stubs), "TUNEDESK_TEST_PG_URL":
                         "postgresql://unused"}, capture_output=True, text=True, timeout=30, check=False)
    assert run.returncode == 0, run.stderr
    lines = calls.read_text().splitlines()
    if installed:
        assert lines[:2] == ["apt-get update -qq", "apt-get install -y -qq chromium"]
        assert lines[2] == f"make test TUNEDESK_CI=1 chromium={stubs}/chromium"
    else:
        assert lines == ["make test TUNEDESK_CI=1 chromium=none"] and "browser test will fail" in run.stdout
