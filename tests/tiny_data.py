"""A tiny built workspace for tests that generate, evaluate or retrain with the tiny random model: six held-out
items over five categories (one escalation, one refusal), the same rows twice for training, two for validation."""

from __future__ import annotations

import json
from pathlib import Path

SYSTEM = "You are the support assistant of Trailhead Outfitters. Returns are free within 30 days."
ROWS = [
    ("returns", "answer", "Can I return boots after 3 weeks?", "Yes, returns are free within 30 days."),
    ("shipping", "answer", "Is shipping free?", "Standard shipping is free on orders over $75."),
    ("billing", "escalation", "I filed a chargeback with my bank.",
     "I'm sorry for the trouble; our billing team will pick this up. [[escalate: chargeback]]"),
    ("off_topic", "refusal", "Who won the football last night?", "I can only help with Trailhead Outfitters."),
    ("returns", "answer", "Do socks have a return window?", "Yes, socks can be returned within 30 days."),
    ("hours", "answer", "When are you open?", "We answer emails every day from 8 am to 8 pm."),
]


def data_row(i: int, category: str, kind: str, question: str, answer: str, split: str) -> dict:
    """One built example in the OpenAI chat format, as `tunedesk build` writes it."""
    return {"id": f"{split}{i}", "ticket_id": f"zendesk:{split}{i}", "category": category, "kind": kind,
            "split": split, "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question},
                                         {"role": "assistant", "content": answer}]}


def write_splits(root: Path) -> None:
    """data/train.jsonl, val.jsonl and holdout.jsonl in the workspace at `root`."""
    data = root / "data"
    data.mkdir(exist_ok=True)
    for split, rows in (("train", ROWS * 2), ("val", ROWS[:2]), ("holdout", ROWS)):
        text = "".join(json.dumps(data_row(i, *r, split)) + "\n" for i, r in enumerate(rows))
        (data / f"{split}.jsonl").write_text(text, encoding="utf-8")


def tiny_overrides(*extra: str) -> list[str]:
    """Config overrides for the tiny random model: short replies, no MiniLM, small batches."""
    from tiny_model import tiny_model_folder

    return [f"model.base={tiny_model_folder()}", "serve.backend.max_new_tokens=6", "eval.similarity=false",
            "eval.batch_size=4", *extra]


def tiny_workspace(root: Path):
    """A blank workspace at `root` with the tiny splits, opened with the tiny-model overrides."""
    from tunedesk.scaffold import init_workspace
    from tunedesk.workspace import Workspace

    init_workspace(root, example=False)
    write_splits(root)
    return Workspace.open(root, tiny_overrides())
