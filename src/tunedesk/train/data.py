"""Training rows as token ids and labels: the loss falls on assistant tokens only (the target reply and its EOS).

Rows are read in any of the four build formats and rendered through the same chat template that is saved with the
run. Labels come from the template's character spans of the replies mapped onto token offsets, so no prompt token —
system prompt, customer message, template scaffolding — ever carries loss. Rows that cannot be used are set aside
with the reason and the run goes on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunedesk.errors import TunedeskError
from tunedesk.models.template import ChatTemplate
from tunedesk.trainfile.chat import to_chat
from tunedesk.trainfile.reading import detect_format, read_rows

IGNORE = -100


class TrainDataError(TunedeskError):
    """A training or validation file cannot be used at all."""


@dataclass
class Encoded:
    """One example ready for the model."""

    id: str
    input_ids: list[int]
    labels: list[int]

    @property
    def trained(self) -> int:
        """Tokens that carry loss."""
        return sum(1 for x in self.labels if x != IGNORE)


@dataclass
class EncodedFile:
    """A data file's usable examples, the rows set aside (with reasons), and its hash for the run record."""

    path: Path
    sha256: str
    format: str
    examples: list[Encoded]
    skipped: list[dict[str, Any]] = field(default_factory=list)
    truncated: int = 0

    @property
    def tokens(self) -> int:
        """All tokens of the usable examples."""
        return sum(len(e.input_ids) for e in self.examples)

    @property
    def trained_tokens(self) -> int:
        """Tokens that carry loss."""
        return sum(e.trained for e in self.examples)

    def summary(self) -> dict[str, Any]:
        """What the run record keeps about this file."""
        return {"path": str(self.path), "sha256": self.sha256, "format": self.format, "rows": len(self.examples),
                "skipped": len(self.skipped), "truncated": self.truncated, "tokens": self.tokens,
                "trained_tokens": self.trained_tokens}


def sha256_of(path: Path) -> str:
    """The file's SHA-256 (data files are recorded by content, not by name)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def encode_file(path: Path, template: ChatTemplate, max_length: int, loss_on: str = "final") -> EncodedFile:
    """Read a build file and encode every usable row; a missing or empty file is an error naming it."""
    read = read_rows(path)
    if not read.readable:
        raise TrainDataError(f"{path}: {read.issues[0].message}")
    fmt = detect_format(read.rows)
    out = EncodedFile(path, sha256_of(path), fmt, [])
    for problem in read.issues:
        out.skipped.append({"line": problem.line, "reason": problem.message})
    for raw in read.rows:
        row, issues = to_chat(raw, fmt)
        row_id = str(raw.data.get("id") or f"line {raw.line}")
        if issues or not row.messages:
            reason = issues[0].message if issues else "no messages"
            out.skipped.append({"line": raw.line, "id": row_id, "reason": reason})
            continue
        encoded, why = encode_messages(row_id, row.messages, template, max_length, loss_on)
        if encoded is None:
            out.skipped.append({"line": raw.line, "id": row_id, "reason": why})
            continue
        out.truncated += why == "truncated"
        out.examples.append(encoded)
    return out


def encode_messages(row_id: str, messages: list[dict[str, str]], template: ChatTemplate, max_length: int,
                    loss_on: str = "final") -> tuple[Encoded | None, str]:
    """Token ids and labels for one conversation, or None and the reason it cannot be trained on."""
    if messages[-1]["role"] != "assistant":
        return None, "the last message is not an assistant reply"
    try:
        layout = template.layout(messages)
    except Exception as exc:  # a chat template is user code: report its failure on the row
        return None, f"the chat template failed: {exc}"
    if not layout.located:
        return None, "the chat template rewrites the messages, so the replies cannot be located"
    spans = layout.replies if loss_on == "all" else layout.replies[-1:]
    enc = template.tokenizer(layout.text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    labels = [tok if _inside(offset, spans) else IGNORE for tok, offset in zip(ids, offsets, strict=True)]
    return _fit(row_id, ids, labels, max_length)


def _inside(offset: tuple[int, int], spans: list[tuple[int, int, int]]) -> bool:
    start, end = offset
    return end > start and any(s <= start and end <= e for s, _, e in spans)


def _fit(row_id: str, ids: list[int], labels: list[int], max_length: int) -> tuple[Encoded | None, str]:
    """Cut a long example from the left (oldest context first); one whose final reply does not fit is skipped."""
    if not any(x != IGNORE for x in labels):
        return None, "no reply tokens to train on"
    if len(ids) <= max_length:
        return Encoded(row_id, ids, labels), "ok"
    final_start = max(i for i in range(len(labels)) if labels[i] != IGNORE and (i == 0 or labels[i - 1] == IGNORE))
    cut = len(ids) - max_length
    if len(ids) - final_start > max_length:
        return None, f"the reply alone ({len(ids) - final_start} tokens) does not fit train.max_length={max_length}"
    return Encoded(row_id, ids[cut:], labels[cut:]), "truncated"
