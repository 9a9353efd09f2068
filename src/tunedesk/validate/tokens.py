"""Token counts and reply positions of rendered examples, one tokenizer call per batch.

A fast tokenizer maps characters to tokens exactly (its offsets); a slow one is measured by tokenizing the text
up to each position, which can be off by a token where a merge crosses the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tunedesk.models.template import Layout

if TYPE_CHECKING:
    from tokenizers import Encoding

    from tunedesk.models.protocols import Tokenizer

_REACH = 8  # characters searched for a token when a position falls on text the tokenizer dropped


@dataclass
class Measure:
    """One example in tokens: its length, each reply's length, and where the last reply sits."""

    total: int
    reply_tokens: list[int]
    """Content tokens of each assistant turn."""
    last_start: int | None
    """Token index where the last assistant turn's content begins (None when the reply was not located)."""
    last_end: int | None
    """Token index just past the last assistant turn's EOS."""
    trained: int
    """Assistant tokens (content and EOS) that fit in max_length: what the loss is computed on."""


def measure(tokenizer: Tokenizer, layouts: list[Layout], max_length: int) -> list[Measure]:
    """Measure a batch of rendered examples with one tokenizer call."""
    batch = tokenizer([lay.text for lay in layouts], add_special_tokens=False, return_attention_mask=False)
    encodings = getattr(batch, "encodings", None)
    if not encodings:
        return _measure_by_prefix(tokenizer, layouts, [len(ids) for ids in batch["input_ids"]], max_length)
    out = []
    for lay, enc in zip(layouts, encodings, strict=True):
        total = len(enc)
        spans = [(_first_token(enc, s, len(lay.text), total), _end_token(enc, ce, total), _end_token(enc, e, total))
                 for s, ce, e in lay.replies]
        out.append(_from_positions(total, spans, max_length))
    return out


def _first_token(enc: Encoding, char: int, text_length: int, total: int) -> int:
    for c in range(char, min(char + _REACH, text_length)):
        token = enc.char_to_token(c)
        if token is not None:
            return int(token)
    return total


def _end_token(enc: Encoding, char: int, total: int) -> int:
    for c in range(char - 1, max(char - 1 - _REACH, -1), -1):
        token = enc.char_to_token(c)
        if token is not None:
            return int(token) + 1
    return total


def _measure_by_prefix(tokenizer: Tokenizer, layouts: list[Layout], totals: list[int],
                       max_length: int) -> list[Measure]:
    prefixes = [lay.text[:c] for lay in layouts for reply in lay.replies for c in reply]
    counts = iter([len(ids) for ids in tokenizer(prefixes, add_special_tokens=False)["input_ids"]] if prefixes else [])
    out = []
    for lay, total in zip(layouts, totals, strict=True):
        spans = [(next(counts), next(counts), next(counts)) for _ in lay.replies]
        out.append(_from_positions(total, spans, max_length))
    return out


def _from_positions(total: int, spans: list[tuple[int, int, int]], max_length: int) -> Measure:
    last = spans[-1] if spans else None
    return Measure(
        total=total,
        reply_tokens=[max(0, end - start) for start, end, _ in spans],
        last_start=last[0] if last else None,
        last_end=last[2] if last else None,
        trained=sum(max(0, min(eos_end, max_length) - start) for start, _, eos_end in spans),
    )
