"""The clean stage: stored tickets → public thread, quotes and signatures stripped → escalation label → PII
redacted → quality filters → duplicates removed → clean results in the store, a funnel report and a redaction
review file.

Accounting: in = kept + dropped (by reason) + quarantined. The raw tickets stay untouched in the store, so clean
can be rerun after a rule changes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tunedesk.checks.escalation import EscalationMatcher
from tunedesk.clean.dedup import Deduplicator
from tunedesk.clean.funnel import CleanSummary, write_funnel
from tunedesk.clean.quality import Assessment, QualityRules
from tunedesk.clean.review import write_review
from tunedesk.errors import ConfigError
from tunedesk.gc_tuning import fewer_collections
from tunedesk.pii.redact import Redaction, Redactor
from tunedesk.progress import Reporter, SilentReporter, Task
from tunedesk.records import Message, Rejected, Role, Ticket, copy_record
from tunedesk.store import batched
from tunedesk.text.reply import strip_quoted, strip_signature
from tunedesk.workspace import Workspace

_CLOSING = re.compile(
    r"^\W*(?:thanks?|thank you|thx|ty|great|perfect|awesome|cheers|got it|ok(?:ay)?|much appreciated"
    r"|that (?:works|helps|helped))"
    r"\b[\w\s,.!']{0,60}$",
    re.IGNORECASE,
)
BATCH = 500
REVIEW_PER_KIND = 1000


@dataclass
class CleanedTicket:
    """One ticket after cleaning, before deduplication."""

    ticket: Ticket
    assessment: Assessment
    redactions: list[Redaction]
    source_hash: str
    stripped: Counter[str] = field(default_factory=Counter)


class TicketCleaner:
    """Everything clean does to one ticket, configured once per run."""

    def __init__(self, ws: Workspace) -> None:
        cfg = ws.config.clean
        self.strip_quotes, self.strip_signatures = cfg.strip_quotes, cfg.strip_signatures
        self.redactor = Redactor(ws.redaction_rules(), allowlist=_brand_names(ws))
        self.escalation = EscalationMatcher(ws.config.escalation)
        self.quality = QualityRules(cfg)

    def clean(self, ticket: Ticket, source_hash: str | None = None) -> CleanedTicket:
        """Strip, label, redact and assess one ticket."""
        stripped: Counter[str] = Counter()
        messages = self._public_thread(ticket, stripped)
        customer = [m.body for m in messages if m.role == Role.customer]
        agent = [m.body for m in messages if m.role == Role.agent]
        hit = self.escalation.match_history(customer, ticket.category, ticket.tags, agent[-1] if agent else "")
        draft = copy_record(ticket, {"messages": messages, "escalation": hit.rule if hit else None})
        redacted, redactions = self.redactor.redact_ticket(draft)
        assessment = self.quality.assess(redacted)
        redacted = copy_record(redacted, {"quality": assessment.quality})
        return CleanedTicket(redacted, assessment, redactions, source_hash or ticket.content_hash(), stripped)

    def _public_thread(self, ticket: Ticket, stripped: Counter[str]) -> list[Message]:
        """Customer and agent messages only, cleaned, consecutive turns of one role merged, closing thanks cut."""
        thread: list[Message] = []
        for m in ticket.messages:
            if m.role not in (Role.customer, Role.agent) or not m.public:
                stripped["notes_removed"] += 1
                continue
            body = self._strip(m.body, stripped)
            if not body:
                continue
            if thread and thread[-1].role == m.role:
                thread[-1] = copy_record(thread[-1], {"body": f"{thread[-1].body}\n\n{body}"})
            else:
                thread.append(copy_record(m, {"body": body}))
        while len(thread) > 2 and thread[-1].role == Role.customer and _CLOSING.match(thread[-1].body):
            thread.pop()
            stripped["closing_thanks_removed"] += 1
        return thread

    def _strip(self, body: str, stripped: Counter[str]) -> str:
        text = body.strip()
        if self.strip_quotes:
            unquoted = strip_quoted(text).strip()
            if unquoted != text:
                stripped["quotes_removed"] += 1
            text = unquoted
        if self.strip_signatures:
            unsigned = strip_signature(text).strip()
            if unsigned != text:
                stripped["signatures_removed"] += 1
            text = unsigned
        return text


def _brand_names(ws: Workspace) -> list[str]:
    """The brand's own name is never a person's ("Dear Trailhead Outfitters,"): allowlisted from policies.yaml."""
    try:
        return [ws.policies().brand]
    except ConfigError:  # clean does not need the policies; build reports a broken policies.yaml
        return []


def run(ws: Workspace, reporter: Reporter | None = None) -> CleanSummary:
    """Clean every stored ticket and replace the workspace's clean results."""
    reporter = reporter or SilentReporter()
    started = datetime.now(UTC)
    cleaner = TicketCleaner(ws)
    dedup = Deduplicator(ws.config.clean.dedup)
    summary = CleanSummary()
    redactions: list[Redaction] = []
    total = ws.store.count("tickets")
    with reporter.task("clean tickets", total=total) as task, fewer_collections():
        rows = _results(ws, cleaner, dedup, summary, redactions, task)
        ws.store.replace_clean_results(rows)
    ws.store.quarantine("clean", summary.rejected)
    summary.paths = _write_reports(ws, summary, redactions)
    ws.store.record_stage_run("clean", started, summary.as_dict())
    return summary


def _results(ws: Workspace, cleaner: TicketCleaner, dedup: Deduplicator, summary: CleanSummary,
             redactions: list[Redaction], task: Task) -> Iterator[dict[str, Any]]:
    for batch in batched(ws.store.iter_tickets_hashed(), BATCH):
        cleaned = [_clean_or_reject(cleaner, t, h, summary) for t, h in batch]
        ok = [c for c in cleaned if c is not None]
        candidates = [c for c in ok if c.assessment.reason is None]
        hits = dedup.check_batch([(c.ticket.id, _dedup_text(c.ticket)) for c in candidates])
        dup_of = {c.ticket.id: h for c, h in zip(candidates, hits, strict=True) if h is not None}
        for c in ok:
            hit = dup_of.get(c.ticket.id)
            reason = hit.reason if hit else c.assessment.reason
            detail = f"{hit.reason} of {hit.original} (similarity {hit.similarity:.2f})" if hit else c.assessment.detail
            summary.count(c.ticket, reason, c.stripped, c.redactions)
            _sample_for_review(redactions, c.redactions, summary)
            yield _row(c, reason, detail)
        task.advance(len(batch))


def _clean_or_reject(cleaner: TicketCleaner, ticket: Ticket, source_hash: str,
                     summary: CleanSummary) -> CleanedTicket | None:
    try:
        return cleaner.clean(ticket, source_hash)
    except Exception as exc:
        summary.rejected.append(Rejected(source_file="store", locator=f"ticket {ticket.id}",
                                         reason=f"clean failed: {type(exc).__name__}: {exc}", raw=ticket.id))
        summary.note_quarantined(ticket)
        return None


def _sample_for_review(sample: list[Redaction], new: list[Redaction], summary: CleanSummary) -> None:
    # The review page shows the first REVIEW_PER_KIND redactions of each kind; the funnel counts all of them.
    for r in new:
        if summary.redactions[r.kind] <= REVIEW_PER_KIND:
            sample.append(r)


def _dedup_text(ticket: Ticket) -> str:
    # An escalation's historical reply is a handover template and build writes its target anew: only the
    # customer's words tell two escalations apart.
    if ticket.escalation:
        return "escalation\n" + "\n".join(m.body for m in ticket.messages if m.role == Role.customer)
    return "\n".join(m.body for m in ticket.messages)


def _row(c: CleanedTicket, reason: str | None, detail: str) -> dict[str, Any]:
    return {
        "id": c.ticket.id, "category": c.ticket.category, "outcome": "dropped" if reason else "kept",
        "reason": reason, "detail": detail or None, "escalation": c.ticket.escalation,
        "quality": c.assessment.quality, "source_hash": c.source_hash, "data": c.ticket.model_dump_json(),
    }


def _write_reports(ws: Workspace, summary: CleanSummary, redactions: list[Redaction]) -> dict[str, str]:
    reports = ws.output_dir("reports")
    review = write_review(redactions, reports / "redaction_review.html", reports / "redaction_review.csv",
                          limit=REVIEW_PER_KIND, totals=summary.redactions)
    summary.review_rows = int(review.get("rows", len(redactions))) if isinstance(review, dict) else len(redactions)
    paths = write_funnel(summary, reports)
    paths.update({"review_html": str(reports / "redaction_review.html"),
                  "review_csv": str(reports / "redaction_review.csv"), "store": ws.store.url})
    return paths
