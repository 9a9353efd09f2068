"""Quality of a cleaned ticket as training data: a 0–1 score and the first filter it fails.

Filters, in funnel order (the first failing one is the drop reason): empty, no_agent_reply, low_csat,
multi_turn, reply_too_long, non_answer. Escalations skip the answer filters: their target is written by build.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunedesk.config import CleanConfig
from tunedesk.records import Role, Ticket
from tunedesk.text.patterns import compile_ci

DROP_REASONS = (
    "empty", "no_agent_reply", "low_csat", "multi_turn", "reply_too_long", "non_answer",
    "duplicate", "near_duplicate",
)


@dataclass(frozen=True)
class Assessment:
    """The verdict on one cleaned ticket."""

    reason: str | None
    detail: str
    quality: float


class QualityRules:
    """The configured filters, compiled once."""

    def __init__(self, config: CleanConfig) -> None:
        self.config = config
        self.non_answer = compile_ci(config.non_answer_patterns)

    def assess(self, ticket: Ticket) -> Assessment:
        """Score the ticket and name the first filter it fails (None when it passes)."""
        customer_turns = sum(1 for m in ticket.messages if m.role == Role.customer)
        customer_chars = sum(len(m.body) for m in ticket.messages if m.role == Role.customer)
        agents = [m for m in ticket.messages if m.role == Role.agent]
        final = agents[-1].body if agents else ""
        words = len(final.split())
        non_answer = self.is_non_answer(final, words)
        quality = self._score(ticket.csat, words, non_answer, customer_turns)
        if customer_chars < self.config.min_customer_chars:
            return Assessment("empty", "no customer text left after cleaning", 0.0)
        if ticket.escalation:
            return Assessment(None, f"escalation: {ticket.escalation}", quality)
        return self._first_failure(ticket, agents, customer_turns, words, non_answer, quality)

    def is_non_answer(self, reply: str, words: int | None = None) -> bool:
        """A short reply that defers instead of answering ("I'll check with engineering and get back to you").

        `words`, the reply's word count when the caller has it, settles long replies at once: at most a greeting
        line of four words is left out of the count below.
        """
        if words is not None and words - 4 > self.config.non_answer_max_words:
            return False
        lines = reply.strip().splitlines()
        body = lines[1:] if len(lines) > 1 and len(lines[0].split()) <= 4 else lines  # skip a "Hi Maria," line
        if not body or len(" ".join(body).split()) > self.config.non_answer_max_words:
            return False
        return self.non_answer.search(reply) is not None

    def _first_failure(self, ticket: Ticket, agents: list, customer_turns: int, words: int,
                       non_answer: bool, quality: float) -> Assessment:
        cfg = self.config
        if not agents:
            return Assessment("no_agent_reply", "no public agent reply", quality)
        if cfg.min_csat is not None and ticket.csat is not None and ticket.csat < cfg.min_csat:
            return Assessment("low_csat", f"CSAT {ticket.csat:g} < clean.min_csat {cfg.min_csat:g}", quality)
        if cfg.single_exchange and (customer_turns > 1 or len(agents) > 1):
            return Assessment("multi_turn", f"{customer_turns} customer turns, {len(agents)} agent replies", quality)
        if cfg.max_reply_words is not None and words > cfg.max_reply_words:
            return Assessment("reply_too_long", f"{words} words > clean.max_reply_words {cfg.max_reply_words}", quality)
        if cfg.drop_non_answers and non_answer:
            match = self.non_answer.search(agents[-1].body)
            return Assessment("non_answer", f"non-answer: {match.group(0)!r}" if match else "non-answer", quality)
        return Assessment(None, "", quality)

    def _score(self, csat: float | None, words: int, non_answer: bool, customer_turns: int) -> float:
        """1.0 for a rated-5, direct, well-sized answer; each weakness multiplies it down."""
        score = 1.0
        if csat is not None:
            score *= 0.5 + 0.5 * (min(max(csat, 1.0), 5.0) - 1.0) / 4.0
        if words < 8:
            score *= 0.5
        limit = self.config.max_reply_words
        if limit is not None and words > limit:
            score *= 0.5
        if non_answer:
            score *= 0.2
        if customer_turns > 1:
            score *= 0.9
        return round(score, 3)
