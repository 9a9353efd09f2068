"""Whole-file checks, after OpenAI's legacy `prepare_data` tool: size, duplicates, shared prefixes, casing,
prompt/completion separators, and tunedesk's own metadata keys."""

from __future__ import annotations

import re
from typing import Any

from tunedesk.trainfile.chat import ChatRow
from tunedesk.trainfile.issues import Issue, issue

MIN_EXAMPLES = 100
MAX_PREFIX_CHARS = 12
"""A prefix shared by every prompt longer than this is worth removing (prepare_data's threshold)."""
OUR_KEYS = ("id", "ticket_id", "kind", "split")
_SHOWN_LINES = 5
_UPPER = re.compile("[A-ZÀ-ÖØ-Þ]")
_LOWER = re.compile("[a-zß-öø-ÿ]")


def conversation_key(messages: list[dict[str, str]]) -> tuple[tuple[str, str], ...]:
    """What makes two rows the same conversation: their roles and trimmed contents."""
    return tuple((m["role"], m["content"].strip()) for m in messages)


def dataset_issues(rows: list[ChatRow], fmt: str) -> list[Issue]:
    """Every whole-file check on the rows whose format is sound."""
    found = few_examples_issues(len(rows)) + duplicate_issues(rows) + shared_prefix_issues(rows)
    found += shouting_issues(rows) + metadata_issues(rows)
    if fmt == "prompt_completion":
        found += completion_issues(rows)
    return found


def few_examples_issues(count: int) -> list[Issue]:
    """Fewer than 100 examples rarely teach a model anything reliable."""
    if count >= MIN_EXAMPLES:
        return []
    return [issue("few_examples", f"{count} usable examples: fewer than {MIN_EXAMPLES}; aim for at least a few "
                  "hundred (quality tends to improve with every doubling)")]


def duplicate_issues(rows: list[ChatRow]) -> list[Issue]:
    """Rows repeating an earlier row's conversation (they weigh it double)."""
    first_line: dict[tuple[tuple[str, str], ...], int] = {}
    found = []
    for row in rows:
        key = conversation_key(row.messages)
        if key in first_line:
            found.append(issue("duplicate", f"same conversation as line {first_line[key]}", row.line))
        else:
            first_line[key] = row.line
    return found


def shared_prefix_issues(rows: list[ChatRow]) -> list[Issue]:
    """A long prefix every customer message starts with is paid for in every example and teaches nothing."""
    texts = [m["content"] for row in rows for m in row.messages if m["role"] == "user"]
    if len(texts) < 2:
        return []
    prefix = texts[0]
    for text in texts[1:]:
        prefix = common_prefix(prefix, text)
        if len(prefix) <= MAX_PREFIX_CHARS:
            return []
    return [issue("shared_prefix", f"every user message starts with {_clip(prefix)!r} ({len(prefix)} characters): "
                  "fine-tuning does not need a repeated instruction; keep only the customer's own text")]


def shouting_issues(rows: list[ChatRow]) -> list[Issue]:
    """More than a third of the final replies mostly in upper case."""
    loud = [row.line for row in rows if _mostly_upper(_final_reply(row))]
    if not rows or len(loud) * 3 <= len(rows):
        return []
    return [issue("shouting", f"{len(loud)} of {len(rows)} replies are mostly upper case (lines {_lines(loud)}): "
                  "models trained on them write worse; lower-case them where your domain allows")]


def completion_issues(rows: list[ChatRow]) -> list[Issue]:
    """prepare_data's separator and stop-sequence advice for prompt/completion files."""
    prompts = [p if isinstance(p := row.data.get("prompt"), str) else "" for row in rows]
    completions = [c if isinstance(c := row.data.get("completion"), str) else "" for row in rows]
    if len(rows) < 2:
        return []
    found = []
    separator = _common_suffix(prompts)
    if not separator:
        found.append(issue("prompt_separator", "the prompts do not end with a common separator (such as "
                           "'\\n\\n###\\n\\n'): it shows the model where the completion begins", field="prompt"))
    elif any(separator in p[: -len(separator)] for p in prompts):
        found.append(issue("prompt_separator", f"the separator {separator!r} also appears inside some prompts: use "
                           "a unique one", field="prompt"))
    no_space = [row.line for row, c in zip(rows, completions, strict=True) if not c[:1].isspace()]
    if no_space:
        found.append(issue("completion_leading_space", f"{len(no_space)} completions do not start with a space "
                           f"(lines {_lines(no_space)}): with most tokenizers they should", field="completion"))
    if not _common_suffix(completions):
        found.append(issue("completion_stop", "the completions do not end with a common stop sequence (such as "
                           "'\\n' or ' END'): the model would not know where to stop", field="completion"))
    return found


def metadata_issues(rows: list[ChatRow]) -> list[Issue]:
    """Rows without tunedesk's id/ticket_id/kind/split keys: one warning when no row has them, else per row."""
    missing = [(row, [k for k in OUR_KEYS if k not in row.data]) for row in rows]
    if rows and all(len(keys) == len(OUR_KEYS) for _, keys in missing):
        return [issue("metadata_missing", f"no row carries tunedesk's metadata keys ({', '.join(OUR_KEYS)}): normal "
                      "for a file not written by `tunedesk build`; the kind and split breakdowns are skipped")]
    return [issue("metadata_missing", f"no {', '.join(keys)} (files from elsewhere won't have them; tunedesk build "
                  "writes them)", row.line, keys[0]) for row, keys in missing if keys]


def _final_reply(row: ChatRow) -> str:
    replies = [m["content"] for m in row.messages if m["role"] == "assistant"]
    return replies[-1] if replies else ""


def _mostly_upper(text: str) -> bool:
    # Latin letters only: counting with a regex keeps 100,000 replies well under a second.
    return len(_UPPER.findall(text)) > len(_LOWER.findall(text))


def common_prefix(a: str, b: str) -> str:
    """The longest start two texts share."""
    if b.startswith(a):
        return a
    low, high = 0, min(len(a), len(b))
    while low < high:  # bisect on the length: slicing compares in C
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return a[:low]


def _common_suffix(texts: list[str]) -> str:
    if not texts:
        return ""
    suffix = texts[0][::-1]
    for text in texts[1:]:
        suffix = common_prefix(suffix, text[::-1])
    return suffix[::-1]


def _lines(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:_SHOWN_LINES])
    return shown + (", …" if len(lines) > _SHOWN_LINES else "")


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count_values(rows: list[ChatRow], key: str) -> dict[str, Any]:
    """How many rows carry each value of a metadata key (only string values)."""
    counts: dict[str, int] = {}
    for row in rows:
        value = row.data.get(key)
        if isinstance(value, str):
            counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
