"""Distillation targets for `train.method=distill`: a teacher writes the final reply of the chosen example kinds.

The teacher is an OpenAI-compatible endpoint (`train.teacher.endpoint`) or a local base model (`train.teacher.model`
as in `model.base`). It sees each conversation without its final assistant message, system prompt included. A reply
that cannot be used (an error, a timeout, empty text, cut off at max_new_tokens, or one that breaks the escalation
marker contract) keeps the target build wrote; the run goes on and the summary says which rows and why.
Neither the API key nor any message text is ever logged or written to a failure reason.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from tunedesk.checks.marker import add_marker, strip_marker
from tunedesk.config.stages import TeacherConfig
from tunedesk.errors import ConfigError
from tunedesk.models.generation import in_length_batches, stop_ids, stop_index
from tunedesk.progress import Reporter, SilentReporter

if TYPE_CHECKING:
    from tunedesk.models.protocols import CausalLM, Tokenizer

LOCAL_BATCH = 8
"""Conversations generated together by a local teacher (left-padded into one batch)."""

Conversation = list[dict[str, str]]
BaseLoader = Callable[[str], tuple["CausalLM", "Tokenizer"]]
"""Loads a local teacher by name: (causal LM, tokenizer)."""


@dataclass(frozen=True)
class TeacherReply:
    """What the teacher said for one conversation: its text, or why there is none."""

    text: str | None = None
    error: str | None = None
    cut_off: bool = False


@dataclass(frozen=True)
class DistillFailure:
    """A row the teacher was asked about whose original target was kept, and why."""

    row_id: str
    reason: str


@dataclass
class DistillResult:
    """The rows with teacher targets and the accounting of what happened to them.

    `asked` counts rows whose kind the teacher rewrites; each of them is either rewritten or failed.
    `kept_original` counts every row that still has build's target (other kinds and failures).
    """

    teacher: str
    source: str
    rows: list[Any] = field(default_factory=list)
    asked: int = 0
    rewritten: int = 0
    failures: list[DistillFailure] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Rows in, asked, rewritten, kept_original and failed."""
        return {"rows": len(self.rows), "asked": self.asked, "rewritten": self.rewritten,
                "kept_original": len(self.rows) - self.rewritten, "failed": len(self.failures)}

    def summary(self) -> dict[str, Any]:
        """The JSON summary written beside the distilled rows."""
        return {"teacher": self.teacher, "source": self.source, "counts": self.counts,
                "failure_reasons": dict(Counter(_reason_kind(f.reason) for f in self.failures)),
                "failures": [{"id": f.row_id, "reason": f.reason} for f in self.failures]}


def distill_rows(rows: Sequence[Any], teacher: TeacherConfig, *, reporter: Reporter | None = None,
                 base_loader: BaseLoader | None = None,
                 transport: httpx.BaseTransport | None = None) -> DistillResult:
    """Replace the final reply of every row whose kind is in teacher.kinds with the teacher's; others pass through."""
    name, source = teacher_name(teacher)
    result = DistillResult(teacher=name, source=source, rows=list(rows))
    prompts: dict[int, Conversation] = {}
    problems: dict[int, str] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or row.get("kind") not in teacher.kinds:
            continue
        result.asked += 1
        prompt, problem = _prompt_of(row)
        if prompt is None:
            problems[index] = problem or "unreadable row"
        else:
            prompts[index] = prompt
    asked = _ask_teacher(list(prompts.values()), teacher, reporter or SilentReporter(), base_loader, transport)
    replies = dict(zip(prompts, asked, strict=True))
    for index in sorted({*problems, *replies}):
        row = rows[index]
        target, problem = ((None, problems[index]) if index in problems
                           else _accepted_target(replies[index], row, teacher))
        if target is None:
            result.failures.append(DistillFailure(str(row.get("id") or f"row {index + 1}"), problem or "no target"))
        else:
            result.rows[index] = _rewritten(row, target, name)
            result.rewritten += 1
    return result


def teacher_name(teacher: TeacherConfig) -> tuple[str, str]:
    """(the teacher's name for run records, "endpoint" or "local"); a ConfigError naming every bad key otherwise."""
    problems = []
    if not teacher.model:
        hint = ("the model name served at train.teacher.endpoint" if teacher.endpoint
                else "a local base model (smollm2-135m, a model folder, …) or set train.teacher.endpoint too")
        problems.append(f"train.teacher.model: no teacher is set; give {hint}")
    if teacher.endpoint and not _is_http_url(teacher.endpoint):
        problems.append(f"train.teacher.endpoint: {teacher.endpoint!r} is not an http(s) URL, e.g. "
                        "http://localhost:8000/v1")
    if problems:
        raise ConfigError("train.teacher", problems)
    return str(teacher.model), "endpoint" if teacher.endpoint else "local"


def _is_http_url(text: str) -> bool:
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def write_distilled(result: DistillResult, path: Path) -> dict[str, Path]:
    """Write the rows as JSON lines and a `<name>.summary.json` beside them; returns both paths."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, b"".join(orjson.dumps(row) + b"\n" for row in result.rows))
    summary_path = path.with_name(f"{path.stem}.summary.json")
    summary = {"written_at": datetime.now(UTC).isoformat(timespec="seconds"), "rows_file": path.name,
               **result.summary()}
    _write_atomically(summary_path, json.dumps(summary, indent=2, ensure_ascii=False).encode() + b"\n")
    return {"rows": path, "summary": summary_path}


def _write_atomically(path: Path, data: bytes) -> None:
    # A killed run never leaves half a training file that a later `train` would read.
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(path)


def _prompt_of(row: dict[str, Any]) -> tuple[Conversation | None, str | None]:
    """The conversation the teacher answers (everything before the final assistant message), or what is wrong."""
    messages = row.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        return None, "messages: expected a conversation ending in the assistant's reply (openai format)"
    for k, message in enumerate(messages):
        if not (isinstance(message, dict) and isinstance(message.get("role"), str)
                and isinstance(message.get("content"), str)):
            return None, f"messages[{k}]: expected a role and text content"
    if messages[-1]["role"] != "assistant":
        return None, f"messages[{len(messages) - 1}]: the last message is not the assistant's target"
    if not isinstance(row.get("metadata", {}), dict):
        return None, "metadata: expected an object"
    return [{"role": m["role"], "content": m["content"]} for m in messages[:-1]], None


def _accepted_target(reply: TeacherReply, row: dict[str, Any], teacher: TeacherConfig) -> tuple[str | None, str]:
    """The teacher's reply as a target, or why it cannot be one (the escalation marker must match the row's)."""
    if reply.error:
        return None, reply.error
    if reply.cut_off:
        return None, f"reply cut off at max_new_tokens ({teacher.max_new_tokens}); raise train.teacher.max_new_tokens"
    text, teacher_reason = _without_markers(reply.text or "")
    if not text:
        return None, "empty reply"
    _, build_reason = _without_markers(row["messages"][-1]["content"])
    must_escalate = row.get("kind") == "escalation" or build_reason is not None
    if must_escalate and teacher_reason is None:
        return None, "reply drops the escalation marker of an escalation row"
    if not must_escalate and teacher_reason is not None:
        return None, f"reply escalates ({teacher_reason}) but the row is not an escalation"
    # Build's reason code is the label eval scores against: the teacher writes the words, not the label.
    return (add_marker(text, build_reason or teacher_reason or "handover") if must_escalate else text), ""


def _without_markers(text: str) -> tuple[str, str | None]:
    """The text with every escalation marker removed, and the first reason found."""
    first = None
    while True:
        text, reason = strip_marker(text)
        if reason is None:
            return text.strip(), first
        first = first or reason


def _rewritten(row: dict[str, Any], target: str, teacher: str) -> dict[str, Any]:
    """A copy of the row with the new final reply; the old one is kept in metadata.distilled."""
    messages = [dict(m) for m in row["messages"]]
    original = messages[-1]["content"]
    messages[-1]["content"] = target
    metadata = {**row.get("metadata", {}), "distilled": {"teacher": teacher, "original": original}}
    return {**row, "messages": messages, "metadata": metadata}


def _reason_kind(reason: str) -> str:
    """A failure reason without its details, for the summary's tally."""
    return reason.split("(")[0].split(":")[0].strip()


def _ask_teacher(prompts: list[Conversation], teacher: TeacherConfig, reporter: Reporter,
                 base_loader: BaseLoader | None, transport: httpx.BaseTransport | None) -> list[TeacherReply]:
    """One reply per conversation, in order, from the endpoint or the local model."""
    if not prompts:
        return []
    if teacher.endpoint:
        return _endpoint_replies(prompts, teacher, reporter, transport)
    return _local_replies(prompts, teacher, reporter, base_loader or _load_base)


def _endpoint_replies(prompts: list[Conversation], teacher: TeacherConfig, reporter: Reporter,
                      transport: httpx.BaseTransport | None) -> list[TeacherReply]:
    """Ask the endpoint with `concurrency` requests in flight; replies come back in the prompts' order."""
    url = f"{str(teacher.endpoint).rstrip('/')}/chat/completions"
    replies = [TeacherReply(error="not asked")] * len(prompts)
    api_key = os.environ.get(teacher.api_key_env)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    limits = httpx.Limits(max_connections=teacher.concurrency)
    with (httpx.Client(headers=headers, timeout=teacher.timeout_s, limits=limits, transport=transport) as client,
          ThreadPoolExecutor(max_workers=teacher.concurrency) as pool,
          reporter.task(f"distill targets ({teacher.model})", total=len(prompts)) as task):
        futures = {pool.submit(_ask_endpoint, client, url, prompt, teacher): k for k, prompt in enumerate(prompts)}
        for future in as_completed(futures):
            replies[futures[future]] = future.result()
            task.advance()
    return replies


def _ask_endpoint(client: httpx.Client, url: str, prompt: Conversation, teacher: TeacherConfig) -> TeacherReply:
    """One chat completion; every transport or protocol problem becomes a reason, never an exception."""
    body = {"model": teacher.model, "messages": prompt, "max_tokens": teacher.max_new_tokens,
            "temperature": teacher.temperature}
    try:
        response = client.post(url, json=body)
        response.raise_for_status()
        return _parse_completion(response.json())
    except httpx.TimeoutException:
        return TeacherReply(error=f"timeout after {teacher.timeout_s:g} s")
    except httpx.HTTPStatusError as exc:
        # Status only: an error body may echo the prompt back.
        return TeacherReply(error=f"HTTP {exc.response.status_code} from the endpoint")
    except httpx.HTTPError as exc:
        return TeacherReply(error=f"endpoint unreachable ({type(exc).__name__})")
    except ValueError:
        return TeacherReply(error="endpoint reply is not JSON")


def _parse_completion(data: object) -> TeacherReply:
    """The text of an OpenAI chat completion, and whether it stopped at max_tokens."""
    choices = data.get("choices") if isinstance(data, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices else {}
    message = choice.get("message") if isinstance(choice, dict) else None
    if not isinstance(message, dict) or "content" not in message:
        return TeacherReply(error="endpoint reply has no choices[0].message.content")
    content = message["content"]
    if content is not None and not isinstance(content, str):
        return TeacherReply(error="endpoint reply content is not text")
    return TeacherReply(text=content or "", cut_off=choice.get("finish_reason") == "length")


def _load_base(name: str) -> tuple[CausalLM, Tokenizer]:
    """The local teacher and its tokenizer (from the same folder when it is one), on the GPU when there is one."""
    import torch

    from tunedesk.models.base import load_model, load_tokenizer

    if not torch.cuda.is_available():
        return load_model(name), load_tokenizer(name)
    # A teacher only generates: bf16 halves its memory at no cost to the targets.
    return load_model(name, dtype=torch.bfloat16).to("cuda"), load_tokenizer(name)


def _local_replies(prompts: list[Conversation], teacher: TeacherConfig, reporter: Reporter,
                   loader: BaseLoader) -> list[TeacherReply]:
    """Generate with a local model in left-padded batches; replies come back in the prompts' order."""
    from tunedesk.models.base import ModelError

    model, tokenizer = loader(str(teacher.model))
    try:
        texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
    except ValueError as exc:
        raise ModelError(f"the teacher {teacher.model!r} cannot format a conversation (no chat template?): "
                         f"{exc}") from None
    model.eval()
    with reporter.task(f"distill targets ({teacher.model})", total=len(texts)) as task:
        return in_length_batches(texts, LOCAL_BATCH,
                                 lambda _, batch: _generate_batch(model, tokenizer, batch, teacher), task)


def _generate_batch(model: CausalLM, tokenizer: Tokenizer, texts: list[str],
                    teacher: TeacherConfig) -> list[TeacherReply]:
    """Greedy (temperature 0) or sampled replies to one batch of formatted prompts."""
    import torch

    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token  # generate pads finished rows with eos anyway
    device = next(model.parameters()).device
    encoded = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left",
                        add_special_tokens=False).to(device)
    sampling = {"do_sample": True, "temperature": teacher.temperature} if teacher.temperature > 0 else {
        "do_sample": False}
    try:
        with torch.no_grad():
            output = model.generate(**encoded, max_new_tokens=teacher.max_new_tokens,
                                    pad_token_id=tokenizer.pad_token_id, return_dict_in_generate=False, **sampling)
    except RuntimeError as exc:  # out of memory on one long batch: those rows keep their targets
        return [TeacherReply(error=f"generation failed ({type(exc).__name__})")] * len(texts)
    new_tokens = output[:, encoded["input_ids"].shape[1]:].tolist()
    stops = stop_ids(model, tokenizer)
    return [_decoded(tokenizer, ids, stops) for ids in new_tokens]


def _decoded(tokenizer: Tokenizer, ids: list[int], stops: set[int]) -> TeacherReply:
    """The reply up to its first stop token; a reply with none ran into max_new_tokens."""
    end = stop_index(ids, stops)
    text = tokenizer.decode(ids[:end], skip_special_tokens=True)
    return TeacherReply(text=text, cut_off=end is None)
