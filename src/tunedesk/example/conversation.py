"""Writing one ticket's conversation: the customer's messages, the agent's replies and internal notes.

A `Thread` holds the ticket's random generator, people, slot values and the policy facts its agent states;
the `*_thread` functions write the whole exchange for one kind of ticket and record the noise they plant.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tunedesk.example.brand import CURRENT_FACTS, OUTDATED_FACTS
from tunedesk.example.catalog import fits
from tunedesk.example.intent import Intent
from tunedesk.example.intents import BY_CATEGORY
from tunedesk.example.noise import add_typos, gmail_quote, outlook_quote
from tunedesk.example.people import AGENTS, Agent, Customer, signature_block
from tunedesk.example.phrases import (
    ANGRY_CLOSERS,
    ANGRY_OPENERS,
    CLARIFY_ORDER,
    CLARIFY_REPLIES,
    CLOSERS,
    CONTEXT_SENTENCES,
    CURT_ANSWERS,
    DEVICE_FOOTERS,
    FOLLOWUP_LEADS,
    GREETING,
    LONG_ANSWER_EXTRAS,
    NON_ANSWERS,
    NOTES,
    OPENERS,
    PII_SENTENCES,
    SIGNOFFS_FIRST,
    SIGNOFFS_FULL,
    THANKS_REPLIES,
    VALEDICTION,
)
from tunedesk.example.voice import (
    MACRO_RATE,
    TRIED,
    TRIED_RATE,
    acknowledgement,
    closing,
    mentioned_slots,
    sorry,
    specific_detail,
)

TYPO_RATE = 0.10
EXTRA_PII_RATE = 0.35
NOTE_RATE = 0.20
QUOTE_RATE = 0.55
DEVICE_FOOTER_RATE = 0.12
_GREETING_START = re.compile(r"^(?:hi|hello|hey)(?: there)?[,!.]?\s+", re.IGNORECASE)
COLLEAGUE = {agent.user_id: AGENTS[(n + 1) % len(AGENTS)].first for n, agent in enumerate(AGENTS)}
"""Whom an agent @-mentions in internal notes."""
PII_WEIGHTS = {"email": 3, "phone": 3, "address": 2, "order": 2, "card": 1}


@dataclass
class Turn:
    """One comment of the thread."""

    role: str  # customer | agent | note
    body: str
    author_id: int
    at: datetime
    rich: bool = False


@dataclass
class Thread:
    """A ticket's conversation while it is written, with the noise planted so far."""

    rng: random.Random
    customer: Customer
    agent: Agent
    slots: dict[str, str]
    subject: str
    clock: datetime
    rich: bool = False
    facts: dict[str, Any] = field(default_factory=lambda: dict(CURRENT_FACTS))
    turns: list[Turn] = field(default_factory=list)
    noise: set[str] = field(default_factory=set)
    category: str = ""
    intent: str = ""
    context: list[str] = field(default_factory=list)
    """The story sentences the customer told around the question (the agent may pick one up)."""
    tried: str | None = None
    """What the customer said they already tried, if anything."""

    def fill(self, template: str, facts: dict[str, Any] | None = None) -> str:
        """A template with this ticket's slots and the facts the agent states."""
        names = {"agent": self.agent.first, "colleague": COLLEAGUE[self.agent.user_id]}
        return template.format_map({**(facts or self.facts), **self.slots, **names})

    def add(self, role: str, body: str, min_minutes: int, max_minutes: int) -> None:
        """Append a comment some minutes after the previous one."""
        if self.turns:
            self.clock += timedelta(minutes=self.rng.randint(min_minutes, max_minutes))
        author = self.customer.user_id if role == "customer" else self.agent.user_id
        self.turns.append(Turn(role, body, author, self.clock, rich=self.rich and role == "agent"))

    def last_agent_turn(self) -> Turn | None:
        """The most recent public agent reply."""
        return next((t for t in reversed(self.turns) if t.role == "agent"), None)


def customer_opening(t: Thread, ask: str, *, angry: bool = False, allow_order: bool = True) -> str:
    """The first customer message: opener, the question, maybe context and PII, closer, sign-off, footer."""
    rng = t.rng
    question = t.fill(ask)
    if not angry and rng.random() < TYPO_RATE:
        question = add_typos(question, rng, rng.randint(1, 3))
        t.noise.add("typo")
    sentences = [question]
    if not angry and rng.random() < 0.3:
        # Some customers tell a little story around the question, which varies message length.
        for context in rng.sample(CONTEXT_SENTENCES, rng.choice((1, 1, 2))):
            sentences.insert(rng.randrange(len(sentences) + 1), context)
            t.context.append(context)
    tried = TRIED.get(t.intent, ())
    if not angry and tried and rng.random() < TRIED_RATE:
        t.tried = rng.choice(tried)[0]
        sentences.insert(1, t.tried)
    if rng.random() < EXTRA_PII_RATE:
        sentences.append(pii_sentence(t, question, allow_order))
    closer = rng.choice(ANGRY_CLOSERS if angry else CLOSERS)
    if closer:
        sentences.append(closer)
    opener = rng.choice(ANGRY_OPENERS if angry else OPENERS)
    if opener or sentences[0] != question:
        sentences[sentences.index(question)] = without_greeting(question)
    parts = [opener, _join(sentences)] if opener else [_join(sentences)]
    parts.extend(customer_signoff(t, angry))
    return "\n\n".join(parts)


def without_greeting(question: str) -> str:
    """The question without its own "Hi," when something else already greets."""
    stripped = _GREETING_START.sub("", question)
    return stripped if stripped == question else stripped[:1].upper() + stripped[1:]


def _join(sentences: list[str]) -> str:
    # A sentence typed without end punctuation gets the next one on a new line, as people write.
    text = sentences[0]
    for sentence in sentences[1:]:
        text += (" " if text[-1] in ".?!)" else "\n") + sentence
    return text


def pii_sentence(t: Thread, question: str, allow_order: bool) -> str:
    """A sentence volunteering personal data, as customers do."""
    kinds = [k for k in PII_WEIGHTS if allow_order or k != "order"]
    kinds = [k for k in kinds if not (k == "order" and t.slots["order"] in question)]
    kind = t.rng.choices(kinds, weights=[PII_WEIGHTS[k] for k in kinds])[0]
    return t.fill(t.rng.choice(PII_SENTENCES[kind]))


def customer_signoff(t: Thread, angry: bool = False) -> list[str]:
    """The customer's name line and device footer, when they add them (no "Thanks," when angry)."""
    rng, parts = t.rng, []
    roll = rng.random()
    if angry:
        if roll < 0.5:
            parts.append(t.fill(rng.choice(("{first}", "{full}"))))
    elif roll < 0.30:
        parts.append(t.fill(rng.choice(SIGNOFFS_FIRST)))
    elif roll < 0.50:
        parts.append(t.fill(rng.choice(SIGNOFFS_FULL)))
    if rng.random() < DEVICE_FOOTER_RATE:
        parts.append(rng.choice(DEVICE_FOOTERS))
        t.noise.add("signature")
    return parts


def customer_follow_up(t: Thread, text: str) -> str:
    """A later customer message, often quoting the agent's previous reply below it."""
    previous = t.last_agent_turn()
    if previous is None or t.rng.random() >= QUOTE_RATE:
        return text
    t.noise.add("quoted")
    if t.rng.random() < 0.7:
        quote = gmail_quote(previous.body, previous.at, t.agent.first)
    else:
        quote = outlook_quote(previous.body, previous.at, t.customer.full, t.customer.email, t.subject)
    return f"{text}\n\n{quote}"


def agent_reply(t: Thread, body: str, *, greet: bool = True) -> str:
    """Greeting, body, valediction, and the agent's signature block if they use one."""
    parts = [GREETING.format(first=t.customer.first)] if greet else []
    parts += [body, VALEDICTION.format(agent=t.agent.first)]
    if t.agent.signature:
        parts.append(signature_block(t.agent))
        t.noise.add("signature")
    return "\n\n".join(parts)


def answer_body(t: Thread, intent: Intent, style: str) -> str:
    """What the agent says for an intent in a style: normal, outdated, long, curt or non_answer. Outside the
    macros, the agent writes it for this ticket (`personal`)."""
    rng = t.rng
    if style == "non_answer":
        return rng.choice(NON_ANSWERS)
    if style == "curt":
        return t.fill(rng.choice(CURT_ANSWERS))
    if style == "outdated":
        return t.fill(rng.choice(intent.outdatable_answers()), OUTDATED_FACTS)
    body = t.fill(rng.choice(intent.answers))
    if rng.random() >= MACRO_RATE:
        body = personal(t, body)
    if style == "long":
        body += "\n\n" + "\n\n".join(t.fill(extra) for extra in rng.sample(LONG_ANSWER_EXTRAS, 4))
    return body


def personal(t: Thread, core: str) -> str:
    """The answer as this agent writes it for this ticket: what they say back to the customer, the policy answer,
    a detail that fits the order, their own closing."""
    first = next((turn.body for turn in t.turns if turn.role == "customer"), "")
    mentioned = mentioned_slots(t.slots, first)
    pick = t.rng.randrange(1 << 16)
    ack = acknowledgement(t.agent.first, t.slots, mentioned, t.intent, t.context, t.tried, pick, core)
    detail = specific_detail(t.slots, mentioned, t.category, pick >> 4)
    lead = " ".join(part for part in (ack, core, detail) if part)
    return f"{lead}\n\n{closing(t.agent.first, pick >> 8)}"


def maybe_note(t: Thread) -> None:
    """An internal note, sometimes with personal data and chatter, on a share of tickets."""
    if t.rng.random() < NOTE_RATE:
        t.add("note", t.fill(t.rng.choice(NOTES)), 3, 240)
        t.noise.add("note")


def answer_thread(t: Thread, intent: Intent, style: str, flow: str) -> None:
    """An answerable ticket; flow is single, clarify (agent asks for the order first), followup or thanks."""
    rng = t.rng
    asks = [a for a in intent.asks if "{order}" not in a] if flow == "clarify" else list(intent.asks)
    t.add("customer", customer_opening(t, rng.choice(asks), allow_order=flow != "clarify"), 0, 0)
    maybe_note(t)
    if flow == "clarify":
        t.add("agent", agent_reply(t, rng.choice(CLARIFY_ORDER)), 15, 1500)
        t.add("customer", customer_follow_up(t, t.fill(rng.choice(CLARIFY_REPLIES))), 5, 1800)
    greet = style != "curt" or rng.random() < 0.3
    t.add("agent", agent_reply(t, answer_body(t, intent, style), greet=greet), 15, 1500)
    if flow == "followup" and follow_up_question(t, intent, style):
        t.noise.add("multi_turn")
    elif flow == "thanks":
        t.add("customer", customer_follow_up(t, t.fill(rng.choice(THANKS_REPLIES))), 5, 1800)
    if style == "non_answer" and rng.random() < 0.5:
        t.add("note", "Resolved by phone with the customer.", 30, 2000)
        t.noise.add("note")
    if flow == "clarify":
        t.noise.add("multi_turn")


def follow_up_question(t: Thread, intent: Intent, style: str) -> bool:
    """The customer asks a second question of the same category and the same agent answers it (False: none fits)."""
    rng = t.rng
    # The second question is about the same product, so only intents that fit it qualify.
    others = [i for i in BY_CATEGORY[intent.category] if i is not intent and fits(i.item, t.slots["item"])]
    if not others:
        return False
    other = rng.choice(others)
    ask = without_greeting(t.fill(rng.choice(other.asks)))
    lead = rng.choice(FOLLOWUP_LEADS).format(agent=t.agent.first)
    t.add("customer", customer_follow_up(t, lead + ask), 5, 1800)
    # An agent quoting old policy keeps doing so in the same thread.
    second = "outdated" if style == "outdated" and other.outdatable_answers() else "normal"
    t.add("agent", agent_reply(t, answer_body(t, other, second)), 15, 1500)
    return True


def escalation_thread(t: Thread, intent: Intent) -> None:
    """A ticket the agent hands over to a named team, opening with an acknowledgement of this ticket."""
    angry = intent.category == "furious_customer"
    t.add("customer", customer_opening(t, t.rng.choice(intent.asks), angry=angry), 0, 0)
    maybe_note(t)
    body = t.fill(t.rng.choice(intent.answers))
    if t.rng.random() >= MACRO_RATE:
        mentioned = mentioned_slots(t.slots, t.turns[0].body)
        body = f"{sorry(t.agent.first, t.slots, mentioned, t.category, t.rng.randrange(1 << 16))} {body}"
    t.add("agent", agent_reply(t, body), 10, 600)


def off_topic_thread(t: Thread, intent: Intent) -> None:
    """A request unrelated to the store, politely refused."""
    t.add("customer", customer_opening(t, t.rng.choice(intent.asks)), 0, 0)
    t.add("agent", agent_reply(t, t.fill(t.rng.choice(intent.answers))), 10, 1500)
