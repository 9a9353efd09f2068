"""The per-ticket decisions that are not conversation text: answer style, thread flow, rating and Zendesk fields.

The rates here set the noise proportions of the corpus (see the module constants); the test suite checks the
resulting shares on the default 1,500-ticket corpus.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tunedesk.example.brand import POLICY_CHANGE
from tunedesk.example.conversation import Thread
from tunedesk.example.intent import Intent
from tunedesk.example.phrases import BAD_CSAT_COMMENTS, GOOD_CSAT_COMMENTS
from tunedesk.example.zendesk_format import GROUP_OF_CATEGORY

NON_ANSWER_RATE = 0.055
CURT_RATE = 0.05
LONG_RATE = 0.03
OUTDATED_BEFORE_CHANGE = 0.9
OUTDATED_AFTER_CHANGE = 0.12
MULTI_TURN_RATE = 0.28
THANKS_RATE = 0.08
BAD_RATING_OF_GOOD_ANSWER = 0.025
BAD_RATING_OF_ESCALATION = 0.08
HTML_RATE = 0.12
NO_FOLLOW_UP = ("damaged_items", "order_status")
"""Categories where a second, unrelated question would make an implausible story."""
EXTRA_TAGS = ("vip", "holiday_rush", "macro_used", "first_order", "store", "loyalty_member")


def answer_style(rng: random.Random, intent: Intent, created: datetime) -> str:
    """normal, outdated (old policy values), long, curt (a poor answer) or non_answer."""
    roll = rng.random()
    if roll < NON_ANSWER_RATE:
        return "non_answer"
    if roll < NON_ANSWER_RATE + CURT_RATE:
        return "curt"
    # Before the policy change every agent stated the old values; afterwards a few stale macros linger.
    outdated_rate = OUTDATED_BEFORE_CHANGE if created < POLICY_CHANGE else OUTDATED_AFTER_CHANGE
    if intent.outdatable_answers() and rng.random() < outdated_rate:
        return "outdated"
    return "long" if rng.random() < LONG_RATE else "normal"


def thread_flow(rng: random.Random, intent: Intent, style: str) -> str:
    """single, clarify (agent asks for the order number first), followup (a second question) or thanks."""
    if style in ("curt", "non_answer"):
        return "single"
    roll = rng.random()
    if roll < MULTI_TURN_RATE:
        can_clarify = intent.needs_order and any("{order}" not in a for a in intent.asks)
        can_follow_up = intent.category not in NO_FOLLOW_UP
        if can_clarify and (not can_follow_up or rng.random() < 0.5):
            return "clarify"
        if can_follow_up:
            return "followup"
    return "thanks" if roll < MULTI_TURN_RATE + THANKS_RATE else "single"


def satisfaction_rating(rng: random.Random, kind: str, style: str) -> dict[str, Any] | None:
    """Zendesk CSAT: bad for poor answers (and a few others), mostly good, sometimes offered, unoffered or null."""
    bad_rate = {"curt": 1.0, "non_answer": 0.3}.get(style, BAD_RATING_OF_GOOD_ANSWER)
    if kind == "escalation":
        bad_rate = BAD_RATING_OF_ESCALATION
    if rng.random() < bad_rate:
        return {"id": rng.randint(10**11, 10**12), "score": "bad", "comment": rng.choice(BAD_CSAT_COMMENTS)}
    roll = rng.random()
    if roll < 0.72:
        return {"id": rng.randint(10**11, 10**12), "score": "good", "comment": rng.choice(GOOD_CSAT_COMMENTS)}
    if roll < 0.80:
        return {"score": "offered", "comment": None}
    return {"score": "unoffered", "comment": None} if roll < 0.88 else None


def ticket_meta(rng: random.Random, thread: Thread, kind: str, category: str, style: str) -> dict[str, Any]:
    """The Zendesk fields around the conversation: channel, status, priority, group, tags, rating."""
    channel = rng.choices(("email", "web", "mobile"), weights=(6, 3, 1))[0]
    tags = [category]
    if channel != "email":
        tags.append(channel)
    tags += rng.sample(EXTRA_TAGS, rng.choice((0, 0, 1, 2)))
    customer_text = " ".join(t.body for t in thread.turns if t.role == "customer")
    return {
        "category": category,
        "channel": channel,
        "order_known": thread.slots["order"] in customer_text,
        "updated_at": thread.clock + timedelta(hours=rng.randint(1, 96)),
        "type": ticket_type(rng, kind, category),
        "priority": ticket_priority(rng, kind),
        "status": ticket_status(rng, style),
        "group": "escalations" if kind == "escalation" else GROUP_OF_CATEGORY.get(category, "support"),
        "tags": tags,
        "satisfaction_rating": satisfaction_rating(rng, kind, style),
    }


def ticket_type(rng: random.Random, kind: str, category: str) -> str | None:
    """Zendesk ticket type: incidents for escalations, problems for damaged goods, questions otherwise."""
    if rng.random() < 0.1:
        return None
    if kind == "escalation":
        return "incident"
    return "problem" if category == "damaged_items" else "question"


def ticket_priority(rng: random.Random, kind: str) -> str | None:
    """Escalations come in high or urgent; the rest mostly normal, some low or unset."""
    if kind == "escalation":
        return "urgent" if rng.random() < 0.3 else "high"
    return rng.choices(("normal", "low", None), weights=(14, 3, 3))[0]


def ticket_status(rng: random.Random, style: str) -> str:
    """Solved or closed, except some tickets whose agent promised to follow up, still pending."""
    if style == "non_answer" and rng.random() < 0.5:
        return "pending"
    return rng.choices(("closed", "solved"), weights=(6, 4))[0]
