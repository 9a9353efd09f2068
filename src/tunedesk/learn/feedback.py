"""`tunedesk feedback export`: reviewed replies from the reply log → training examples in data/feedback.jsonl.

What counts (one decision per reply, strongest signal first):
- a thumbs-down excludes the reply, even when it was approved or edited before — an agent said it is wrong;
- rejected and escalated replies (by an agent, or by the server and never reviewed) stay out;
- an edited reply teaches the agent's text exactly as written; an approved one teaches the reply as sent (with the
  escalation marker put back when the server had escalated it: the log holds the reply without it);
- an otherwise unreviewed reply with a thumbs-up teaches the reply as given ("rated").
Duplicates (same customer text and target as a build row of data/train.jsonl or an earlier feedback example, after
normalising whitespace and case) are dropped, and a ticket already in data/holdout.jsonl is never used.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tunedesk.checks.marker import add_marker, escalates
from tunedesk.prompt.system import SystemPrompt
from tunedesk.records import ChatTurn, Example, Rejected, ServedReply
from tunedesk.store.replies import ReplyLog
from tunedesk.trainfile.chat import to_chat
from tunedesk.trainfile.reading import detect_format, read_rows
from tunedesk.trainfile.rows import to_row
from tunedesk.workspace import Workspace

SOURCE = "feedback"
FEEDBACK_FILE = "feedback.jsonl"


@dataclass
class FeedbackExport:
    """What one export took from the reply log, what it left out and why, and where it wrote."""

    examples: list[Example] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    used: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)
    considered: int = 0
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON `feedback export --json` prints."""
        return {"considered": self.considered, "examples": len(self.rows), "by_source": dict(self.used),
                "by_kind": dict(Counter(e.kind for e in self.examples)), "dropped": dict(self.dropped),
                "rejected": [r.model_dump() for r in self.rejected], "paths": self.paths}


def export_feedback(ws: Workspace, *, since: datetime | None = None) -> FeedbackExport:
    """Turn approved, edited and thumbs-up replies into training rows; write data/feedback.jsonl and a summary."""
    cfg = ws.config.dataset
    prompt = SystemPrompt.from_file(ws.policies(), ws.path(cfg.system_template), cfg.policy_facts)
    data = ws.output_dir("data")
    seen = {pair_key(customer, target) for customer, target in build_pairs(data / "train.jsonl")}
    held_out = holdout_ticket_ids(data / "holdout.jsonl")
    export = FeedbackExport()
    for reply in reviewed_replies(ReplyLog(ws.store), since):
        export.considered += 1
        source, target = training_target(reply)
        if target is None:
            export.dropped[source] += 1
        elif reply.ticket_id in held_out:
            export.dropped["holdout_ticket"] += 1
        else:
            _add(export, reply, source, target, prompt, seen)
    export.rows = [{**to_row(e, cfg.format), "source": SOURCE} for e in export.examples]
    export.paths = write_export(ws, export)
    return export


def reviewed_replies(log: ReplyLog, since: datetime | None) -> list[ServedReply]:
    """Every logged reply, oldest first; with `since`, only those with feedback recorded from then on."""
    replies = log.query(limit=None, newest_first=False)
    if since is None:
        return replies
    moment = since.astimezone(UTC) if since.tzinfo else since
    touched = {event.reply_id for event in log.feedback(since=moment)}
    return [r for r in replies if r.id in touched]


def training_target(reply: ServedReply) -> tuple[str, str | None]:
    """(the source of the example, its target) — or (why it stays out, None)."""
    if reply.rating is not None and reply.rating < 0:
        return "thumbs_down", None
    if reply.status in ("rejected", "escalated"):
        return reply.status, None
    if reply.status == "edited":
        return ("edited", reply.final_text) if (reply.final_text or "").strip() else ("empty_edit", None)
    if reply.status == "approved":
        return "approved", restore_marker(reply, reply.final_text if reply.final_text is not None else reply.reply)
    if reply.rating is not None and reply.rating > 0:
        return "rated", restore_marker(reply, reply.reply)
    return "not_reviewed", None


def restore_marker(reply: ServedReply, text: str) -> str:
    """An approved escalation keeps teaching escalation: the server strips the marker from what it logs, so it is
    put back (with the first reason) when the reply was an escalation."""
    if reply.decision != "escalate" or escalates(text):
        return text
    return add_marker(text, reply.reasons[0] if reply.reasons else "handover")


def _add(export: FeedbackExport, reply: ServedReply, source: str, target: str, prompt: SystemPrompt,
         seen: set[str]) -> None:
    turns, problem = conversation(reply)
    if problem:
        export.rejected.append(Rejected(source_file="reply log", locator=f"reply {reply.id}", field="thread",
                                        reason=problem, raw=json.dumps(reply.thread, default=str)[:2000]))
        export.dropped["unreadable_thread"] += 1
        return
    customer = "\n".join(t.content for t in turns if t.role == "user")
    key = pair_key(customer, target)
    if key in seen:
        export.dropped["duplicate"] += 1
        return
    seen.add(key)
    messages = [ChatTurn(role="system", content=prompt.render(customer)), *turns,
                ChatTurn(role="assistant", content=target)]
    export.examples.append(Example(
        id=f"fb-{reply.id}", ticket_id=reply.ticket_id, category=reply.category,
        kind="escalation" if escalates(target) else "answer", split="train", messages=messages,
        metadata={"source": SOURCE, "feedback": source, "reply_id": reply.id, "model_version": reply.model_version}))
    export.used[source] += 1


def conversation(reply: ServedReply) -> tuple[list[ChatTurn], str | None]:
    """The masked thread as chat turns ending with the customer, or why it cannot be used."""
    turns = []
    for n, message in enumerate(reply.thread):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant") \
                or not isinstance(message.get("content"), str):
            return [], f"message {n} is not a user or assistant turn with text"
        turns.append(ChatTurn(role=message["role"], content=message["content"]))
    if not turns or turns[-1].role != "user" or not turns[-1].content.strip():
        return [], "the thread does not end with a customer message"
    return turns, None


def pair_key(customer: str, target: str) -> str:
    """Customer text and target, normalised (case, whitespace) so near-identical copies compare equal."""
    return " ".join(customer.lower().split()) + "\x00" + " ".join(target.lower().split())


def build_pairs(path: Path) -> list[tuple[str, str]]:
    """(customer text, target) of every build row of a training file (earlier feedback rows are not counted)."""
    if not path.is_file():
        return []
    read = read_rows(path)
    fmt = detect_format(read.rows) if read.rows else "openai"
    pairs = []
    for raw in read.rows:
        if is_feedback_row(raw.data):
            continue
        row, issues = to_chat(raw, fmt)
        if issues or not row.messages:
            continue
        customer = "\n".join(m["content"] for m in row.messages if m["role"] == "user")
        pairs.append((customer, row.messages[-1]["content"]))
    return pairs


def is_feedback_row(data: dict[str, Any]) -> bool:
    """True for a row a feedback export wrote."""
    return data.get("source") == SOURCE or str(data.get("id", "")).startswith("fb-")


def holdout_ticket_ids(path: Path) -> set[str]:
    """Ticket ids of the held-out set: their replies must never become training data."""
    if not path.is_file():
        return set()
    return {str(r.data["ticket_id"]) for r in read_rows(path).rows if r.data.get("ticket_id") is not None}


def write_export(ws: Workspace, export: FeedbackExport) -> dict[str, str]:
    """data/feedback.jsonl and reports/feedback.json."""
    path = ws.output_dir("data") / FEEDBACK_FILE
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in export.rows))
    report = ws.output_dir("reports") / "feedback.json"
    paths = {"feedback": str(path), "summary": str(report)}
    summary = {**export.as_dict(), "exported_at": datetime.now(UTC).isoformat(timespec="seconds"), "paths": paths}
    report.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    return paths
