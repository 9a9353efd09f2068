"""All intents of the example corpus, by category."""

from __future__ import annotations

from tunedesk.example.brand import ANSWERABLE, ESCALATION, OFF_TOPIC
from tunedesk.example.intent import Intent
from tunedesk.example.intents_account import ACCOUNT_INTENTS
from tunedesk.example.intents_escalation import ESCALATION_INTENTS, OFF_TOPIC_INTENTS
from tunedesk.example.intents_orders import ORDER_INTENTS
from tunedesk.example.intents_products import PRODUCT_INTENTS

ALL_INTENTS: tuple[Intent, ...] = tuple(
    ORDER_INTENTS + PRODUCT_INTENTS + ACCOUNT_INTENTS + ESCALATION_INTENTS + OFF_TOPIC_INTENTS
)

BY_CATEGORY: dict[str, tuple[Intent, ...]] = {
    category: tuple(i for i in ALL_INTENTS if i.category == category)
    for category in (*ANSWERABLE, *ESCALATION, OFF_TOPIC)
}

BY_KEY: dict[str, Intent] = {i.key: i for i in ALL_INTENTS}


def kind_of(category: str) -> str:
    """`answer`, `escalation` or `off_topic`: what a support model should do with a ticket of this category."""
    if category in ESCALATION:
        return "escalation"
    if category == OFF_TOPIC:
        return "off_topic"
    return "answer"
