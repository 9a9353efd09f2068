"""Serving backends: the registry, the scripted backend, transformers (tiny random Llama) against eval's numbers,
llama.cpp on the tiny model's GGUF, and an OpenAI-compatible upstream faked on loopback."""

from __future__ import annotations

import fcntl
import importlib.util
import json
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from tiny_model import tiny_model_folder
from tunedesk.answer.backends import Backend, BackendError, BackendTimeout, backend_names, get_backend
from tunedesk.answer.backends.base import ReplySieve
from tunedesk.answer.backends.llamacpp import LlamaCppBackend
from tunedesk.answer.backends.openai import OpenAIBackend
from tunedesk.answer.backends.scripted import ScriptedBackend
from tunedesk.answer.backends.transformers import TransformersBackend
from tunedesk.answer.types import Completion, GenerationRequest
from tunedesk.config.serve import BackendConfig
from tunedesk.errors import ConfigError
from tunedesk.models.candidate import load_candidate
from tunedesk.models.generate import generate as eval_generate

if TYPE_CHECKING:
    from transformers import PreTrainedModel

pytestmark = pytest.mark.xdist_group("train")

THREAD = [{"role": "system", "content": "You are the support assistant of Example Outfitters (shop.example)."},
          {"role": "user", "content": "Hi, my order 1042 has not arrived yet. What can I do?"}]
NEWLINE = 198  # the tiny model's greedy reply to anything is this token, again and again


def _request(**kwargs: Any) -> GenerationRequest:
    return GenerationRequest(messages=THREAD, **{"max_new_tokens": 12, "temperature": 0.0, **kwargs})


def _streamed(backend: Backend, request: GenerationRequest) -> tuple[list[str], Completion]:
    """The deltas and the final Completion; exactly one Completion, and it comes last."""
    parts = list(backend.stream(request))
    assert all(isinstance(p, str) for p in parts[:-1]) and isinstance(parts[-1], Completion)
    return [p for p in parts[:-1] if isinstance(p, str)], parts[-1]


def _build(name: str, tmp_path: Path, **cfg: Any) -> Backend:
    return get_backend(BackendConfig(name=name, **cfg), workspace_root=tmp_path, model_spec="base",
                       base=str(tiny_model_folder()), chat_template=None)


# --- the registry and the reply sieve --------------------------------------------------------------------------


def test_unknown_backend_is_a_config_error_naming_the_key_and_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _build("vllm-native", tmp_path)
    assert caught.value.problems == ["serve.backend.name: unknown backend 'vllm-native'; known backends: "
                                     "llamacpp, openai, retrieval, scripted, transformers"]
    assert backend_names() == ["llamacpp", "openai", "retrieval", "scripted", "transformers"]


def test_openai_backend_reports_every_missing_setting_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUNEDESK_UPSTREAM_KEY", raising=False)

    with pytest.raises(ConfigError) as caught:
        _build("openai", tmp_path, api_key_env="TUNEDESK_UPSTREAM_KEY")
    assert [p.split(":")[0] for p in caught.value.problems] == ["serve.backend.base_url", "serve.backend.api_key_env"]
    assert "TUNEDESK_UPSTREAM_KEY is not set" in caught.value.problems[1]


@pytest.mark.parametrize(("pieces", "stops", "reply", "stopped"), [
    (["\n  Your", " parcel", " ships", " today.  ", "\n"], [], "Your parcel ships today.", False),
    (["Returns are free", " within 30 days.<|en", "d|> ignored"], ["<|end|>"], "Returns are free within 30 days.",
     True),
    (["Order 1042 ", "ST", "AY", " here"], ["STOP"], "Order 1042 STAY here", False),
])
def test_sieve_deltas_add_up_to_the_trimmed_reply_and_hold_back_stop_strings(pieces: list[str], stops: list[str],
                                                                             reply: str, stopped: bool) -> None:
    sieve = ReplySieve(stops)
    sent = [sieve.feed(p) for p in pieces]

    for i in range(len(sent)):  # nothing sent may ever need taking back
        assert reply.startswith("".join(sent[:i + 1]))
    assert "".join(sent) + sieve.finish(reply) == reply and sieve.stopped is stopped
    if stopped:  # not even the start of the stop string got out while it was still arriving
        assert not any(stop[:2] in "".join(sent) for stop in stops)


# --- scripted ----------------------------------------------------------------------------------------------------


def test_scripted_backend_answers_in_turn_and_streams_word_by_word() -> None:
    backend = ScriptedBackend(["Your parcel ships today.", "Returns are free within 30 days."], mean_logprob=-0.4)

    first = backend.generate(_request())
    deltas, second = _streamed(backend, _request(temperature=0.3))
    third = backend.generate(_request())

    assert first.text == third.text == "Your parcel ships today." and first.mean_logprob == first.min_logprob == -0.4
    assert deltas == ["Returns ", "are ", "free ", "within ", "30 ", "days."]
    assert second.text == "Returns are free within 30 days." and second.finish_reason == "stop"
    assert [r.temperature for r in backend.requests] == [0.0, 0.3, 0.0]
    assert isinstance(backend, Backend)


def test_scripted_backend_from_a_callable_and_from_the_registry(tmp_path: Path) -> None:
    echo = ScriptedBackend(lambda request: "You wrote: " + request.messages[-1]["content"])
    scripted = _build("scripted", tmp_path, timeout_s=2.0)

    assert echo.generate(_request()).text == "You wrote: " + THREAD[-1]["content"]
    assert isinstance(scripted, ScriptedBackend) and scripted.timeout_s == 2.0
    assert scripted.generate(_request()).text.startswith("Thanks for reaching out")


def test_scripted_failures_raise_backend_errors_and_close_ends_a_hang() -> None:
    with pytest.raises(BackendError, match="scripted failure"):
        ScriptedBackend(failure="error").generate(_request())
    started = time.monotonic()
    with pytest.raises(BackendTimeout):
        ScriptedBackend(failure="hang", timeout_s=0.1).generate(_request())
    assert 1.1 <= time.monotonic() - started < 3

    hanging = ScriptedBackend(failure="hang", timeout_s=30)
    threading.Timer(0.2, hanging.close).start()
    started = time.monotonic()
    with pytest.raises(BackendTimeout):
        list(hanging.stream(_request()))
    assert time.monotonic() - started < 5


# --- transformers ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TransformersBackend:
    """The tiny random model through the registry; its newline embedding zeroed so greedy replies are words."""
    import torch

    backend = _build("transformers", tmp_path_factory.mktemp("ws"))
    assert isinstance(backend, TransformersBackend)
    # The candidate's model is the transformers model typed as tunedesk's CausalLM, which leaves out embeddings.
    embeddings = cast("PreTrainedModel", backend.candidate.model).get_input_embeddings()
    assert isinstance(embeddings, torch.nn.Embedding), embeddings
    with torch.no_grad():
        embeddings.weight[NEWLINE] = 0
    return backend


@pytest.mark.parametrize(("temperature", "seed"), [(0.0, 0), (0.8, 3)])
def test_transformers_reply_and_stream_match_eval(tiny: TransformersBackend, temperature: float, seed: int) -> None:
    request = _request(temperature=temperature, seed=seed)
    reference = eval_generate(tiny.candidate.model, tiny.candidate.tokenizer, [THREAD], max_new_tokens=12,
                              temperature=temperature, seed=seed)[0][0]

    reply = tiny.generate(request)
    deltas, streamed = _streamed(tiny, request)

    assert reference.text and reply.text == reference.text == "".join(deltas) == streamed.text
    assert reply.mean_logprob == pytest.approx(reference.logprob_mean, abs=1e-5) == streamed.mean_logprob
    assert reply.min_logprob == pytest.approx(reference.logprob_min, abs=1e-5)
    assert reply.completion_tokens == reference.tokens == 12 and reply.finish_reason == "length"
    assert reply.prompt_tokens > 20 and tiny.model_version == "base"


@pytest.mark.parametrize("temperature", [0.0, 0.8])
def test_transformers_replies_in_a_batch_are_the_replies_alone(tiny: TransformersBackend, temperature: float) -> None:
    # threads of different lengths (left padding in the batch), each ticket with its own seed
    questions = ["Where is my parcel?", "Hi, my order 1042 has not arrived yet. What can I do? It was due Monday.",
                 "Can I return boots I wore once outside?", "Do you ship to Canada, and how long does it take?",
                 "ok"]
    requests = [GenerationRequest(messages=[THREAD[0], {"role": "user", "content": q}], max_new_tokens=10,
                                  temperature=temperature, seed=100 + n) for n, q in enumerate(questions)]
    alone = [tiny.generate(r) for r in requests]
    together = tiny.generate_many(requests, batch_size=3)

    assert [c.text for c in together] == [c.text for c in alone]
    assert [c.mean_logprob for c in together] == pytest.approx([c.mean_logprob for c in alone], abs=1e-4)
    if temperature:  # the seed matters: another seed gives another sample somewhere
        reseeded = tiny.generate_many([GenerationRequest(messages=r.messages, max_new_tokens=10,
                                                         temperature=temperature, seed=(r.seed or 0) + 7)
                                       for r in requests])
        assert [c.text for c in reseeded] != [c.text for c in alone]


def test_transformers_stops_at_a_stop_string(tiny: TransformersBackend) -> None:
    full = tiny.generate(_request(temperature=0.8, seed=3)).text
    stop = full.split()[2]
    request = _request(temperature=0.8, seed=3, stop=[stop])

    reply = tiny.generate(request)
    deltas, streamed = _streamed(tiny, request)

    assert reply.text == full[:full.index(stop)].rstrip() == "".join(deltas) == streamed.text
    assert reply.finish_reason == "stop" and stop not in "".join(deltas)


def test_transformers_never_runs_two_generations_at_once(tiny: TransformersBackend,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    model, running, most = tiny.candidate.model, [0], [0]
    original = model.generate

    def slow_generate(*args: Any, **kwargs: Any) -> Any:
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(0.2)
        try:
            return original(*args, **kwargs)
        finally:
            running[0] -= 1

    monkeypatch.setattr(model, "generate", slow_generate)
    alone = tiny.generate(_request()).text
    results: list[str] = []
    workers = [threading.Thread(target=lambda: results.append(tiny.generate(_request()).text)),
               threading.Thread(target=lambda: results.append(_streamed(tiny, _request())[1].text))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert most[0] == 1 and results == [alone, alone]


def test_transformers_abandoned_stream_frees_the_model_and_timeouts_raise(tiny: TransformersBackend) -> None:
    patient = TransformersBackend(tiny.candidate, timeout_s=60)
    stream = patient.stream(_request(temperature=0.8, seed=3, max_new_tokens=2000))
    first = next(stream)
    started = time.monotonic()
    stream.close()  # a client that hung up: generation stops instead of running on to 2000 tokens

    assert isinstance(first, str) and time.monotonic() - started < 5 and patient.generate(_request()).text
    patient.close()
    with pytest.raises(BackendError, match="closed"):
        patient.generate(_request())
    assert tiny.generate(_request()).text  # the shared model stays loaded for the backend that still uses it
    hurried = TransformersBackend(tiny.candidate, timeout_s=1e-3)
    with pytest.raises(BackendTimeout):
        hurried.generate(_request(max_new_tokens=50))
    with pytest.raises(BackendTimeout):
        list(hurried.stream(_request(max_new_tokens=50)))


# --- llama.cpp ---------------------------------------------------------------------------------------------------


def test_llamacpp_without_the_package_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp now raises ImportError

    with pytest.raises(BackendError, match=r"pip install 'tunedesk\[export\]'"):
        LlamaCppBackend(gguf)
    with pytest.raises(BackendError, match=r"no GGUF file at .*missing\.gguf"):
        get_backend(BackendConfig(name="llamacpp"), workspace_root=tmp_path, model_spec=str(tmp_path / "missing.gguf"),
                    base="smollm2-135m", chat_template=None)


@pytest.fixture(scope="module")
def tiny_gguf() -> Path:
    """The tiny model as an F16 GGUF, converted once per checkout into the test cache (about 20 s the first time)."""
    from tunedesk.export.gguf import convert_to_gguf, find_converter
    from tunedesk.export.runfolder import ExportToolsMissing
    from tunedesk.models.base import cache_dir

    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (`pip install 'tunedesk[export]'`): llamacpp backend untested")
    try:
        find_converter()
    except ExportToolsMissing:
        pytest.skip("llama.cpp's convert_hf_to_gguf.py is not installed (`make gguf-tools`): no GGUF to serve")
    target = cache_dir() / "models" / "tiny-llama-f16.gguf"
    with open(target.parent / ".tiny-llama-gguf.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            work = target.parent / f".tiny-llama-gguf-{time.time_ns()}"
            work.mkdir()
            try:
                convert_to_gguf(tiny_model_folder(), work / target.name, "tiny-llama")
                (work / target.name).rename(target)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    return target


def test_llamacpp_greedy_reply_scores_like_eval(tiny_gguf: Path, tmp_path: Path) -> None:
    backend = get_backend(BackendConfig(name="llamacpp"), workspace_root=tiny_gguf.parent, model_spec=tiny_gguf.name,
                          base="smollm2-135m", chat_template=None)  # a relative path: found in the workspace
    candidate = load_candidate(tmp_path, "base", str(tiny_model_folder()))
    reference = eval_generate(candidate.model, candidate.tokenizer, [THREAD], max_new_tokens=12)[0][0]

    reply = backend.generate(_request())

    assert backend.model_version == "tiny-llama-f16.gguf" and reply.text == reference.text
    assert reply.completion_tokens == reference.tokens == 12 and reply.finish_reason == "length"
    assert reply.mean_logprob == pytest.approx(reference.logprob_mean, abs=0.02)
    assert reply.min_logprob == pytest.approx(reference.logprob_min, abs=0.02)
    backend.close()


def test_llamacpp_stream_matches_its_reply_and_stops_at_a_stop_string(tiny_gguf: Path) -> None:
    backend = LlamaCppBackend(tiny_gguf, n_ctx=512)
    request = _request(temperature=0.9, seed=5)

    reply = backend.generate(request)
    deltas, streamed = _streamed(backend, request)
    stop = reply.text.split()[2]
    stopped = backend.generate(_request(temperature=0.9, seed=5, stop=[stop]))

    assert reply.text and "".join(deltas) == streamed.text == reply.text and len(deltas) > 3
    assert streamed.mean_logprob == reply.mean_logprob and reply.mean_logprob is not None and reply.mean_logprob < 0
    assert stopped.text == reply.text[:reply.text.index(stop)].rstrip() and stopped.finish_reason == "stop"
    backend.close()


# --- openai-compatible upstream ----------------------------------------------------------------------------------


@dataclass
class Answer:
    """What the fake upstream sends: a status, then body pieces; a number in `body` is a pause in seconds."""

    status: int = 200
    body: list[bytes | float] = field(default_factory=list)
    delay_s: float = 0.0
    """Pause before the status line."""


@dataclass
class Upstream:
    url: str
    answer: Callable[[dict[str, Any]], Answer]
    requests: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """An OpenAI-compatible server on 127.0.0.1 whose answers each test scripts; it records every request."""
    state = Upstream(url="", answer=lambda body: Answer(500, [b"not scripted"]))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append((self.path, dict(self.headers), body))
            answer = state.answer(body)
            state.released.wait(answer.delay_s)
            self.send_response(answer.status)
            self.end_headers()
            for piece in answer.body:
                if isinstance(piece, float):
                    state.released.wait(piece)
                else:
                    self.wfile.write(piece)
                    self.wfile.flush()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()


def _reply_json(text: str, logprobs: list[float] | None, finish: str = "stop") -> bytes:
    choice: dict[str, Any] = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
    if logprobs is not None:
        choice["logprobs"] = {"content": [{"token": f"t{i}", "logprob": lp} for i, lp in enumerate(logprobs)]}
    return json.dumps({"choices": [choice], "usage": {"prompt_tokens": 31, "completion_tokens": 6}}).encode()


def _sse(*events: dict[str, Any] | str) -> bytes:
    return b"".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n".encode() for e in events)


def _chunk(text: str, logprob: float | None = None, finish: str | None = None) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    if logprob is not None:
        choice["logprobs"] = {"content": [{"token": text, "logprob": logprob}]}
    return {"choices": [choice]}


def _openai(upstream: Upstream, timeout_s: float = 5.0) -> OpenAIBackend:
    return OpenAIBackend(upstream.url, "support-7b", timeout_s=timeout_s)


def test_openai_reply_carries_the_upstreams_logprobs_and_the_bearer_key(upstream: Upstream, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNEDESK_UPSTREAM_KEY", "sk-example-0001")
    upstream.answer = lambda body: Answer(body=[_reply_json("  Your parcel ships today.\n", [-0.2, -0.6, -0.1])])
    backend = get_backend(BackendConfig(name="openai", base_url=upstream.url + "/", api_key_env="TUNEDESK_UPSTREAM_KEY",
                                        model="support-7b"),
                          workspace_root=tmp_path, model_spec="latest", base="smollm2-135m", chat_template=None)

    reply = backend.generate(_request(seed=7, stop=["\n\n"]))

    assert (reply.text, reply.finish_reason, reply.prompt_tokens, reply.completion_tokens, reply.min_logprob) == \
        ("Your parcel ships today.", "stop", 31, 6, -0.6) and reply.mean_logprob == pytest.approx(-0.3)
    path, headers, body = upstream.requests[0]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer sk-example-0001"
    assert body == {"model": "support-7b", "messages": THREAD, "max_tokens": 12, "temperature": 0.0, "stream": False,
                    "logprobs": True, "seed": 7, "stop": ["\n\n"]}
    assert backend.model_version == "support-7b"


def test_openai_stream_yields_the_upstreams_deltas_then_the_completion(upstream: Upstream) -> None:
    first = _sse(_chunk("Returns", -0.5), _chunk(" are free", -0.25))
    usage_only = _sse({"choices": [], "usage": {"prompt_tokens": 31, "completion_tokens": 3}})
    last = _sse(_chunk(" within 30", -1.5, finish="length"), "[DONE]")
    upstream.answer = lambda body: Answer(body=[first, b": keep-alive\n\n", usage_only, last])

    deltas, completion = _streamed(_openai(upstream), _request())

    assert deltas == ["Returns", " are free", " within 30"] and upstream.requests[0][2]["stream"] is True
    assert completion.text == "Returns are free within 30" and completion.finish_reason == "length"
    assert completion.mean_logprob == pytest.approx(-0.75) and completion.min_logprob == -1.5
    assert (completion.prompt_tokens, completion.completion_tokens) == (31, 3)


def test_openai_upstream_refusing_logprobs_is_asked_again_without_them(upstream: Upstream) -> None:
    def answer(body: dict[str, Any]) -> Answer:
        if body.get("logprobs"):
            return Answer(400, [b'{"error": {"message": "logprobs are not supported for this model"}}'])
        return Answer(body=[_reply_json("Store hours are 8 am to 8 pm.", None)])

    upstream.answer = answer
    backend = _openai(upstream)

    first, second = backend.generate(_request()), backend.generate(_request())

    assert first.text == second.text == "Store hours are 8 am to 8 pm." and first.mean_logprob is None
    assert [("logprobs" in body) for _, _, body in upstream.requests] == [True, False, False]


def test_openai_upstream_ignoring_logprobs_gives_no_confidence(upstream: Upstream) -> None:
    upstream.answer = lambda body: Answer(body=[_sse(_chunk("Hello"), _chunk(" there", finish="stop"), "[DONE]")])

    deltas, completion = _streamed(_openai(upstream), _request())

    assert deltas == ["Hello", " there"] and completion.text == "Hello there"
    assert completion.mean_logprob is None and completion.min_logprob is None


@pytest.mark.parametrize(("answer", "stream", "error", "message"), [
    (Answer(500, [b'{"error": "upstream overloaded, try later"}']), False, BackendError, "HTTP 500.*overloaded"),
    (Answer(503, [b"Service Unavailable"]), True, BackendError, "HTTP 503: Service Unavailable"),
    (Answer(delay_s=3.0), False, BackendTimeout, "within 0.5 s"),
    (Answer(body=[_sse(_chunk("Your")), 3.0, _sse(_chunk(" parcel"))]), True, BackendTimeout, "0.5 s"),
    (Answer(body=[_sse(_chunk("Hi")), b"data: {\"choices\": [\n\n"]), True, BackendError, "malformed stream event"),
    (Answer(body=[_sse(_chunk("Hi"))]), True, BackendError, "stream ended before the reply did"),
    (Answer(body=[b"<html>gateway</html>"]), False, BackendError, "malformed response"),
    (Answer(body=[_sse({"error": {"message": "model crashed"}})]), True, BackendError, "model crashed"),
])
def test_openai_failures_become_backend_errors_in_time(upstream: Upstream, answer: Answer, stream: bool,
                                                       error: type[Exception], message: str) -> None:
    upstream.answer = lambda body: answer
    backend = _openai(upstream, timeout_s=0.5)
    started = time.monotonic()

    with pytest.raises(error, match=message):
        list(backend.stream(_request())) if stream else backend.generate(_request())
    assert time.monotonic() - started < 2.0


def test_openai_unreachable_upstream_is_a_backend_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there

    with pytest.raises(BackendError, match="cannot reach the upstream"):
        OpenAIBackend(f"http://127.0.0.1:{port}/v1", "support-7b", timeout_s=2).generate(_request())
