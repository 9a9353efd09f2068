"""--fix: a corrected copy of the file with everything that can be repaired, and the rest left out and counted.

The copy is written in the OpenAI chat format (every row's metadata keys kept), whatever the input format, and is
checked with the same per-example checks before it is written, so it validates without errors.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tunedesk.prompt.precedents import join_prompt, split_prompt
from tunedesk.trainfile.chat import META_KEYS, ChatRow, payload_turns
from tunedesk.trainfile.flat import LegacyMarkers
from tunedesk.trainfile.reading import RawRow
from tunedesk.validate.analysis import Checks, check_rows, sizes_of
from tunedesk.validate.dataset import conversation_key


@dataclass
class FixOutcome:
    """The repaired rows and what was done: rows changed and rows left out, per issue code."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    fixes: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)


Repaired = tuple[ChatRow, list[str]]
"""A repaired row and the codes of what was fixed in it."""
LENGTH_CODES = ("no_trained_tokens", "reply_cut_off", "too_long")


def fix_rows(raw_rows: list[RawRow], fmt: str, markers: LegacyMarkers, checks: Checks) -> FixOutcome:
    """Repair every row that can be repaired; drop and count the others (fixes count only rows written)."""
    outcome = FixOutcome()
    repaired: list[Repaired] = []
    for raw in raw_rows:
        row, changed = repair(raw, fmt, markers, checks)
        if row is None:
            outcome.dropped[changed[0]] += 1
        else:
            repaired.append((row, changed))
    final = Checks(checks.template, checks.max_length, "openai", checks.prompt)
    kept, too_long = _keep_valid(repaired, final, outcome)
    shortened: list[Repaired] = []
    for row, changed, code in too_long:
        short = _drop_oldest_pairs(row, checks)
        if short is not None:
            shortened.append((short, [*changed, code]))
        elif code == "too_long":
            kept.append((row, changed))  # only tokens after the reply are cut: still worth training on
        else:
            outcome.dropped[code] += 1
    kept_short, still_long = _keep_valid(shortened, final, outcome)
    for _, _, code in still_long:
        outcome.dropped[code] += 1
    kept += kept_short
    seen: set[tuple[tuple[str, str], ...]] = set()
    for row, changed in sorted(kept, key=lambda pair: pair[0].line):
        key = conversation_key(row.messages)
        if key in seen:
            outcome.dropped["duplicate"] += 1
            continue
        seen.add(key)
        outcome.fixes.update(changed)
        outcome.rows.append(output_row(row))
    return outcome


def _keep_valid(rows: list[Repaired], checks: Checks,
                outcome: FixOutcome) -> tuple[list[Repaired], list[tuple[ChatRow, list[str], str]]]:
    """Rows without errors, and rows whose only problem is their length (to shorten); the others are dropped."""
    kept, too_long = [], []
    for result, (_, changed) in zip(check_rows([row for row, _ in rows], checks), rows, strict=True):
        errors = [i.code for i in result.issues if i.severity == "error"]
        length = next((i.code for i in result.issues if i.code in LENGTH_CODES), None)
        if length is not None and set(errors) <= {length}:
            too_long.append((result.row, changed, length))
        elif errors:
            outcome.dropped[errors[0]] += 1
        else:
            kept.append((result.row, changed))
    return kept, too_long


def repair(raw: RawRow, fmt: str, markers: LegacyMarkers, checks: Checks) -> tuple[ChatRow | None, list[str]]:
    """The row with its turns cleaned, merged and re-prompted, plus the codes fixed; (None, [why]) if hopeless."""
    turns = payload_turns(raw.data, fmt, markers)
    if isinstance(turns, str):
        return None, ["missing_messages"]
    changed: set[str] = set()
    messages: list[dict[str, str]] = []
    for turn in turns:
        if turn.role is None and not turn.not_an_object:
            return None, ["unrecognized_role" if turn.raw_role is not None else "message_missing_key"]
        if turn.unknown_keys:
            changed.add("message_unrecognized_key")
        content = _clean_content(turn.content, checks, changed)
        if turn.role is None or content is None:
            changed.add("missing_content" if not turn.not_an_object else "message_missing_key")
            continue
        if messages and messages[-1]["role"] == turn.role:
            messages[-1]["content"] += "\n\n" + content
            changed.add("roles_not_alternating")
        else:
            messages.append({"role": turn.role, "content": content})
    while messages and messages[-1]["role"] != "assistant":
        messages.pop()
        changed.add("last_turn_not_assistant")
    _drop_opening_replies(messages, changed)
    if not any(m["role"] == "assistant" for m in messages):
        return None, ["no_assistant_message"]
    _reprompt(messages, checks, changed)
    return _with_messages(raw.line, raw.data, messages), sorted(changed)


def _drop_opening_replies(messages: list[dict[str, str]], changed: set[str]) -> None:
    """Assistant turns before the customer's first message (a bot greeting) teach nothing about answering."""
    first = 1 if messages and messages[0]["role"] == "system" else 0
    while len(messages) > first and messages[first]["role"] == "assistant":
        del messages[first]
        changed.add("roles_not_alternating")


def _clean_content(content: object, checks: Checks, changed: set[str]) -> str | None:
    if not isinstance(content, str):
        return None
    if checks.template is not None and checks.template.special_tokens_in(content):
        for token in checks.template.special_tokens_in(content):
            content = content.replace(token, "")
        changed.add("special_token_in_content")
    if content != content.strip():
        changed.add("surrounding_whitespace")
    return content.strip() or None


def _reprompt(messages: list[dict[str, str]], checks: Checks, changed: set[str]) -> None:
    """Put the current system prompt first (workspace given)."""
    if checks.prompt is None:
        return
    wanted = checks.prompt.expected(messages)
    if messages[0]["role"] != "system":
        messages.insert(0, {"role": "system", "content": wanted})
        changed.add("missing_system_prompt")
        return
    policy_part, precedents = split_prompt(messages[0]["content"])
    if policy_part != wanted:  # the policies are brought up to date; the row's precedents stay as built
        messages[0]["content"] = join_prompt(wanted, precedents)
        changed.add("stale_system_prompt")


def _drop_oldest_pairs(row: ChatRow, checks: Checks) -> ChatRow | None:
    system = row.messages[:1] if row.messages[0]["role"] == "system" else []
    body = row.messages[len(system) :]
    while len(body) > 2:
        body = body[2:]
        messages = [dict(m) for m in system + body]
        _reprompt(messages, checks, set())
        candidate = _with_messages(row.line, row.data, messages)
        size = sizes_of([candidate], checks.template, checks.max_length)[0]  # type: ignore[arg-type]
        if size is not None and size.total <= checks.max_length:
            return candidate
    return None


def _with_messages(line: int, data: dict[str, Any], messages: list[dict[str, str]]) -> ChatRow:
    return ChatRow(line, data, messages, [f"messages[{i}]" for i in range(len(messages))])


def output_row(row: ChatRow) -> dict[str, Any]:
    """The row in the OpenAI chat format, tunedesk's metadata keys kept."""
    out = {key: row.data[key] for key in META_KEYS if key in row.data and key != "metadata"}
    out["messages"] = row.messages
    if "metadata" in row.data:
        out["metadata"] = row.data["metadata"]
    return out


def write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    """Write JSONL atomically: a reader never sees half a file, and fixing a file in place is safe."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        for row in rows:
            fh.write(orjson.dumps(row) + b"\n")
    tmp.replace(path)
