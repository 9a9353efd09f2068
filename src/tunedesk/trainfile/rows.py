"""Training-file formats. Every row keeps the example's id, ticket_id, category, kind and split next to the payload
(OpenAI's chat format only reads `messages`, so the extra keys are harmless there)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from tunedesk.records import Example

FORMATS = ("openai", "prompt_completion", "instruction", "sharegpt")
PROMPT_SEPARATOR = "\n\n###\n\n"
COMPLETION_STOP = " END"
_SPEAKER = {"user": "Customer", "assistant": "Agent"}


def to_row(example: Example, fmt: str) -> dict[str, Any]:
    """One example as a row of the given format, with its identifying keys."""
    head = {"id": example.id, "ticket_id": example.ticket_id, "category": example.category, "kind": example.kind,
            "split": example.split, "metadata": example.metadata}
    system = next((t.content for t in example.messages if t.role == "system"), "")
    dialogue = [t for t in example.messages if t.role != "system"]
    history, target = dialogue[:-1], dialogue[-1].content
    if fmt == "openai":
        return {**head, "messages": [t.model_dump() for t in example.messages]}
    if fmt == "prompt_completion":
        lines = [system, *(f"{_SPEAKER[t.role]}: {t.content}" for t in history), "Agent:"]
        return {**head, "prompt": "\n\n".join(x for x in lines if x) + PROMPT_SEPARATOR,
                "completion": " " + target + COMPLETION_STOP}
    if fmt == "instruction":
        spoken = "\n\n".join(f"{_SPEAKER[t.role]}: {t.content}" for t in history)
        return {**head, "instruction": system, "input": spoken, "output": target}
    if fmt == "sharegpt":
        speaker = {"system": "system", "user": "human", "assistant": "gpt"}
        return {**head, "conversations": [{"from": speaker[t.role], "value": t.content} for t in example.messages]}
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def write_jsonl(path: Path, examples: Iterable[Example], fmt: str) -> int:
    """Write examples as JSON lines; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("wb") as fh:
        for example in examples:
            fh.write(orjson.dumps(to_row(example, fmt)) + b"\n")
            n += 1
    return n
