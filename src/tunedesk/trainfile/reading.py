"""Reading a training file: one JSON object per line, bad lines reported by line number, never a crash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tunedesk.trainfile.issues import Issue, issue

FORMATS = ("openai", "prompt_completion", "instruction", "sharegpt")
"""The row formats validate reads; every one becomes chat messages for the template checks."""


@dataclass
class RawRow:
    """One JSON object read from the file, with its 1-based line number."""

    line: int
    data: dict[str, Any]


@dataclass
class FileRead:
    """What reading found: the objects, the number of non-blank lines, and the problems."""

    rows: list[RawRow]
    lines: int
    issues: list[Issue]
    readable: bool = True


def read_rows(path: Path) -> FileRead:
    """Every non-blank line parsed; a missing, non-UTF-8 or empty file is one `unreadable_file` error."""
    text, problem = _read_text(path)
    if text is None:
        return FileRead([], 0, [issue("unreadable_file", f"{path}: {problem}", field="file")], readable=False)
    rows: list[RawRow] = []
    issues: list[Issue] = []
    lines = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        lines += 1
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            issues.append(issue("invalid_json", f"not valid JSON: {exc}", number))
            continue
        if not isinstance(data, dict):
            kind = type(data).__name__
            issues.append(issue("not_an_object", f"each line must be a JSON object, this one is a {kind}", number))
            continue
        rows.append(RawRow(number, data))
    if not lines:
        return FileRead([], 0, [issue("unreadable_file", f"{path}: the file is empty", field="file")], readable=False)
    return FileRead(rows, lines, issues)


def _read_text(path: Path) -> tuple[str | None, str]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, "no such file"
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, f"not UTF-8 text (first bad byte on line {line}); save it as UTF-8"


def detect_format(rows: list[RawRow]) -> str:
    """The format of the first row that carries a recognisable payload; `openai` when none does."""
    for row in rows:
        found = format_of(row.data)
        if found:
            return found
    return "openai"


def format_of(data: dict[str, Any]) -> str | None:
    """The format one row is written in, judged by its payload keys."""
    if "messages" in data:
        return "openai"
    if "conversations" in data:
        return "sharegpt"
    if "prompt" in data or "completion" in data:
        return "prompt_completion"
    if "instruction" in data or "output" in data:
        return "instruction"
    return None
