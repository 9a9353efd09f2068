"""The threads `tunedesk eval --task summaries` reads: multi-turn threads no model was trained or validated on,
each with its reference points, and the training threads the faithfulness threshold is fitted on.

Held-out here means: in the store after clean (kept, or set aside by clean — `clean.single_exchange` drops
multi-turn threads from the training sets), not in data/train.jsonl or data/val.jsonl, not a duplicate, with more
than one customer message or agent reply, and with a reference in references/summaries.jsonl.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tunedesk.answer.faithfulness import ThreadFacts, check_sentence, fit_min_support, sentences_of
from tunedesk.errors import TunedeskError
from tunedesk.example.summaries import POINTS, REFERENCES_FILE
from tunedesk.records import Role, Ticket
from tunedesk.workspace import Workspace

FIT_THREADS = 300
"""At most this many training threads fit the faithfulness threshold."""
_DUPLICATES = {"duplicate", "near_duplicate"}


class SummaryEvalError(TunedeskError):
    """The summaries evaluation cannot run (no references, no held-out multi-turn threads)."""


@dataclass(frozen=True)
class Thread:
    """One thread to summarise: its store id, category, messages (OpenAI roles) and reference points."""

    ticket_id: str
    category: str | None
    messages: list[dict[str, str]]
    points: dict[str, str]


def read_references(ws: Workspace) -> dict[str, dict[str, str]]:
    """ticket id → reference points, from references/summaries.jsonl."""
    path = ws.root / REFERENCES_FILE
    if not path.is_file():
        raise SummaryEvalError(f"{path} is missing: the summaries task needs reference points per thread "
                               "(`tunedesk init --example` writes them; see docs/summaries.md for the format)")
    found: dict[str, dict[str, str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            ticket_id = str(row.pop("ticket_id"))
            found[ticket_id] = {k: str(v or "") for k, v in row.items() if k in POINTS}
        except (ValueError, KeyError, AttributeError) as exc:
            raise SummaryEvalError(f"{path}: line {number}: {exc}") from None
    return found


def split_ids(ws: Workspace, split: str) -> set[str]:
    """The ticket ids of a built split (data/<split>.jsonl); empty when the file is missing."""
    path = ws.output_dir("data") / f"{split}.jsonl"
    if not path.is_file():
        return set()
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            ids.add(str(row.get("ticket_id") or row.get("id", "")).split("#", 1)[0])
    return ids


def thread_messages(ticket: Ticket) -> list[dict[str, str]]:
    """A cleaned ticket's public messages in OpenAI roles."""
    return [{"role": "user" if m.role == Role.customer else "assistant", "content": m.body}
            for m in ticket.public_messages() if m.body.strip()]


def is_multi_turn(messages: list[dict[str, str]]) -> bool:
    """More than one customer message or more than one agent reply."""
    roles = [m["role"] for m in messages]
    return roles.count("user") > 1 or roles.count("assistant") > 1


def load_threads(ws: Workspace, references: dict[str, dict[str, str]]) -> tuple[list[Thread], list[Thread]]:
    """(held-out multi-turn threads, training threads for fitting), both in ticket-id order."""
    train = split_ids(ws, "train")
    seen = train | split_ids(ws, "val")
    held_out: list[Thread] = []
    fitting: list[Thread] = []
    for ticket, info in ws.store.iter_clean(None):
        points = references.get(ticket.id)
        if points is None or info.get("reason") in _DUPLICATES:
            continue
        thread = Thread(ticket.id, ticket.category, thread_messages(ticket), points)
        if ticket.id in train and len(fitting) < FIT_THREADS:
            fitting.append(thread)
        elif ticket.id not in seen and is_multi_turn(thread.messages):
            held_out.append(thread)
    return held_out, fitting


def fitted_min_support(threads: list[Thread]) -> tuple[float, dict[str, int]]:
    """The faithfulness threshold fitted on training threads: each reference sentence against its own thread
    (supported) and against a thread of another category (not supported)."""
    supported: list[float] = []
    unsupported: list[float] = []
    facts = [ThreadFacts.of(m["content"] for m in t.messages) for t in threads]
    for index, thread in enumerate(threads):
        other = next((j for j in range(index + 1, index + len(threads))
                      if threads[j % len(threads)].category != thread.category), None)
        for sentence in (s for text in thread.points.values() for s in sentences_of(text)):
            supported.append(check_sentence(sentence, facts[index], 0.0).support)
            if other is not None:
                unsupported.append(check_sentence(sentence, facts[other % len(threads)], 0.0).support)
    return fit_min_support(supported, unsupported), {"supported": len(supported), "unsupported": len(unsupported)}
