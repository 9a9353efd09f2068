"""Dataset statistics: breakdowns, token distributions, the cookbook's epoch suggestion, a training-time estimate."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from tunedesk.trainfile.chat import ChatRow
from tunedesk.validate.dataset import count_values
from tunedesk.validate.policy import prompt_version
from tunedesk.validate.tokens import Measure

# OpenAI's default epoch choice, as the chat fine-tuning data-prep cookbook computes it.
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def suggested_epochs(examples: int) -> int:
    """Epochs so that small sets are seen about 100 times in all and large ones about 25,000 times."""
    epochs = TARGET_EPOCHS
    if examples and examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        epochs = min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // examples)
    elif examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        epochs = max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // examples)
    return epochs


def distribution(values: list[int]) -> dict[str, float] | None:
    """min / mean / median / p95 / max of a list of counts (None when empty)."""
    if not values:
        return None
    arr = np.asarray(values, dtype=np.float64)
    return {"min": float(arr.min()), "mean": round(float(arr.mean()), 1), "median": float(np.median(arr)),
            "p95": round(float(np.quantile(arr, 0.95)), 1), "max": float(arr.max())}


def row_stats(lines: int, rows: list[ChatRow]) -> dict[str, Any]:
    """Counts that need no tokenizer: rows, usable examples, breakdowns, messages per example."""
    stats: dict[str, Any] = {"rows": lines, "examples": len(rows)}
    for key in ("kind", "category", "split"):
        counts = count_values(rows, key)
        if counts:
            stats[f"by_{key}"] = counts
    stats["messages_per_example"] = distribution([len(r.messages) for r in rows])
    stats["missing_system"] = sum(1 for r in rows if not any(m["role"] == "system" for m in r.messages))
    stats["missing_user"] = sum(1 for r in rows if not any(m["role"] == "user" for m in r.messages))
    versions = Counter(v for r in rows if r.messages[0]["role"] == "system"
                       and (v := prompt_version(r.messages[0]["content"])))
    if versions:
        stats["policy_versions"] = dict(versions.most_common())
    return stats


def token_stats(measures: list[Measure], examples: int, max_length: int) -> dict[str, Any]:
    """Token distributions, trained tokens, and the tokens the suggested number of epochs will process."""
    totals = [m.total for m in measures]
    per_epoch = sum(min(max_length, t) for t in totals)
    epochs = suggested_epochs(examples)
    return {
        "max_length": max_length,
        "tokens_per_example": distribution(totals),
        "tokens_per_assistant_turn": distribution([n for m in measures for n in m.reply_tokens]),
        "over_max_length": sum(1 for t in totals if t > max_length),
        "trained_tokens": sum(m.trained for m in measures),
        "epochs": epochs,
        "tokens_per_epoch": per_epoch,
        "training_tokens": epochs * per_epoch,
    }
