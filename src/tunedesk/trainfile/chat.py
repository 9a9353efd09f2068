"""The four row formats as chat turns, with the format checks of OpenAI's chat fine-tuning data-prep cookbook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tunedesk.trainfile.flat import NO_MARKERS, LegacyMarkers, split_prompt, without_end
from tunedesk.trainfile.issues import Issue, issue
from tunedesk.trainfile.reading import RawRow

META_KEYS = ("id", "ticket_id", "category", "kind", "split", "metadata")
"""Keys tunedesk build writes next to the payload of every row."""
CHAT_ROLES = ("system", "user", "assistant")
MESSAGE_KEYS = frozenset({"role", "content", "name", "weight"})
SHAREGPT_KEYS = frozenset({"from", "value", "weight"})
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant"}
_TOOL_KEYS = frozenset({"tool_calls", "function_call", "tool_call_id"})


@dataclass
class Turn:
    """One turn as written, before it is trusted: `role` is the chat role, None when absent or not recognised."""

    where: str
    role: str | None
    raw_role: object
    content: object
    missing_keys: list[str] = field(default_factory=list)
    unknown_keys: list[str] = field(default_factory=list)
    not_an_object: bool = False


@dataclass
class ChatRow:
    """A row as chat messages (`{"role", "content"}`); `messages` is empty when the row's structure is broken."""

    line: int
    data: dict[str, Any]
    messages: list[dict[str, str]]
    fields: list[str] = field(default_factory=list)
    """Where each message is written in the row (`messages[2]`, `completion`), for issue locations."""


def payload_turns(data: Mapping[str, object], fmt: str, markers: LegacyMarkers = NO_MARKERS) -> list[Turn] | str:
    """The row's turns in the given format, or why its payload is missing."""
    if fmt == "prompt_completion":
        return _prompt_completion_turns(data, markers)
    if fmt == "instruction":
        return _instruction_turns(data)
    if fmt == "sharegpt":
        return _list_turns(data, "conversations", _sharegpt_turn)
    return _list_turns(data, "messages", _openai_turn)


def to_chat(row: RawRow, fmt: str, markers: LegacyMarkers = NO_MARKERS) -> tuple[ChatRow, list[Issue]]:
    """The row as chat messages plus its format errors; a row with errors gets no messages."""
    turns = payload_turns(row.data, fmt, markers)
    if isinstance(turns, str):
        return ChatRow(row.line, row.data, []), [issue("missing_messages", turns, row.line, _payload_key(fmt))]
    found = [one for turn in turns for one in turn_issues(turn, row.line)]
    if not any(t.role == "assistant" for t in turns):
        found.append(issue("no_assistant_message", "no assistant turn: nothing to train on", row.line))
    if found:
        return ChatRow(row.line, row.data, []), found
    messages = [{"role": str(t.role), "content": str(t.content)} for t in turns]  # checked: both are text
    return ChatRow(row.line, row.data, messages, [t.where for t in turns]), []


def turn_issues(turn: Turn, line: int) -> list[Issue]:
    """The cookbook's per-message checks: keys present and known, role recognised, content a non-empty string."""
    if turn.not_an_object:
        return [issue("message_missing_key", f"{turn.where} is not an object with a role and content", line,
                      turn.where)]
    found = [issue("message_missing_key", f"{turn.where} has no '{key}'", line, f"{turn.where}.{key}")
             for key in turn.missing_keys]
    for key in turn.unknown_keys:
        why = "tool and function calls are not supported here" if key in _TOOL_KEYS else "remove it"
        found.append(issue("message_unrecognized_key", f"{turn.where} has the unrecognised key '{key}': {why}",
                           line, f"{turn.where}.{key}"))
    if turn.role is None and turn.raw_role is not None:
        found.append(issue("unrecognized_role", f"{turn.where}: role {turn.raw_role!r} is not one of system, user, "
                           "assistant (tool and function messages are not supported here)", line, turn.where))
    if not isinstance(turn.content, str) or not turn.content.strip():
        what = "absent" if turn.content is None else ("empty" if isinstance(turn.content, str) else
                                                      f"a {type(turn.content).__name__}, not text")
        found.append(issue("missing_content", f"{turn.where}: the content is {what}", line, turn.where))
    return found


def _payload_key(fmt: str) -> str:
    return {"prompt_completion": "prompt", "instruction": "instruction", "sharegpt": "conversations"}.get(
        fmt, "messages")


def _list_turns(data: Mapping[str, object], key: str, make: Callable[[str, object], Turn]) -> list[Turn] | str:
    items = data.get(key)
    if key not in data:
        return f"no '{key}' list (format: {'sharegpt' if key == 'conversations' else 'openai'})"
    if not isinstance(items, list) or not items:
        return f"'{key}' must be a non-empty list"
    return [make(f"{key}[{i}]", item) for i, item in enumerate(items)]


def _openai_turn(name: str, item: object) -> Turn:
    if not isinstance(item, dict):
        return Turn(name, None, None, None, not_an_object=True)
    raw_role = item.get("role")
    return Turn(name, raw_role if raw_role in CHAT_ROLES else None, raw_role, item.get("content"),
                [k for k in ("role", "content") if k not in item], [k for k in item if k not in MESSAGE_KEYS])


def _sharegpt_turn(name: str, item: object) -> Turn:
    if not isinstance(item, dict):
        return Turn(name, None, None, None, not_an_object=True)
    raw_role = item.get("from")
    role = SHAREGPT_ROLES.get(raw_role) if isinstance(raw_role, str) else None
    return Turn(name, role, raw_role, item.get("value"),
                [k for k in ("from", "value") if k not in item], [k for k in item if k not in SHAREGPT_KEYS])


def _prompt_completion_turns(data: Mapping[str, object], markers: LegacyMarkers) -> list[Turn] | str:
    if "prompt" not in data and "completion" not in data:
        return "no 'prompt' and 'completion' (format: prompt_completion)"
    prompt = without_end(data.get("prompt"), markers.separator)
    turns = []
    if isinstance(prompt, str):
        system, prompt = split_prompt(prompt)
        if system is not None:
            turns.append(Turn("prompt", "system", "system", system))
    turns.append(Turn("prompt", "user", "user", prompt, [] if "prompt" in data else ["prompt"]))
    turns.append(Turn("completion", "assistant", "assistant", without_end(data.get("completion"), markers.stop),
                      [] if "completion" in data else ["completion"]))
    return turns


def _instruction_turns(data: Mapping[str, object]) -> list[Turn] | str:
    """An explicit `system` stays the system message; otherwise an instruction with an input is the system
    message and the input the user turn (how build writes them), and an instruction alone is the user turn."""
    if "instruction" not in data and "output" not in data:
        return "no 'instruction' and 'output' (format: instruction)"
    system, instruction, extra = data.get("system"), data.get("instruction"), data.get("input")
    missing = [] if "instruction" in data else ["instruction"]
    turns = []
    where, user = "instruction", instruction
    if system not in (None, ""):
        turns.append(Turn("system", "system", "system", system))
        if isinstance(instruction, str) and isinstance(extra, str) and extra.strip():
            user = f"{instruction}\n\n{extra}"
    elif isinstance(extra, str) and extra.strip():
        turns.append(Turn("instruction", "system", "system", instruction, missing))
        missing, where, user = [], "input", extra
    if extra is not None and not isinstance(extra, str):
        where, user = "input", extra  # not text: reported on the input
    turns.append(Turn(where, "user", "user", user, missing))
    turns.append(Turn("output", "assistant", "assistant", data.get("output"), [] if "output" in data else ["output"]))
    return turns
