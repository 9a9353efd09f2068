"""The seeded ticket generator: Zendesk tickets of Trailhead Outfitters, each with its ground truth.

Everything comes from `random.Random` instances derived from the seed (never the global generator, never the
clock), so `(n, seed)` always gives the same tickets. Proportions of kinds, categories and intents are drawn
from shuffled decks, so they hold for small n too. Only a window of recent tickets and customers is kept,
so the stream runs in bounded memory.
"""

from __future__ import annotations

import copy
import random
import re
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from tunedesk.example.brand import ANSWERABLE, ESCALATION, OFF_TOPIC, ZENDESK_URL
from tunedesk.example.catalog import ticket_slots
from tunedesk.example.choices import HTML_RATE, answer_style, thread_flow, ticket_meta
from tunedesk.example.conversation import Thread, answer_thread, escalation_thread, off_topic_thread
from tunedesk.example.intent import Intent
from tunedesk.example.intents import BY_CATEGORY, kind_of
from tunedesk.example.noise import plain_html
from tunedesk.example.people import AGENTS, Customer, customer_for
from tunedesk.example.phrases import GENERIC_SUBJECTS
from tunedesk.example.summaries import reference_points
from tunedesk.example.zendesk_format import ticket_dict, users_for

START = datetime(2025, 1, 1, 7, 0, tzinfo=UTC)
END = datetime(2026, 10, 20, 22, 0, tzinfo=UTC)  # threads take up to ~10 days, so all end within October
FIRST_TICKET_ID = 100001
FIRST_COMMENT_ID = 9000000001
KIND_CARDS = (("answer", 70), ("escalation", 17), ("off_topic", 6), ("duplicate", 3), ("near_duplicate", 4))
REPEAT_CUSTOMER_RATE = 0.12
GENERIC_SUBJECT_RATE = 0.15
NEAR_DUPLICATE_EDITS = (
    ("Hi", "Hello"), ("Thanks", "Thank you"), ("please", "pls"), ("order", "purchase"), ("I'd", "I would"),
    ("can't", "cannot"), ("What's", "What is"), ("doesn't", "does not"), ("I'm", "I am"), ("the", "my"),
)

T = TypeVar("T")


@dataclass(frozen=True)
class TicketTruth:
    """Ground truth of one generated ticket, kept out of the export for tests and evals."""

    external_id: str
    kind: str  # "answer" | "escalation" | "off_topic"
    category: str
    intent: str
    noise: frozenset[str]
    pii: tuple[tuple[str, str], ...]
    """(type, value) planted in customer-visible text: name, email, phone, address, card, order."""
    duplicate_of: str | None = None
    summary: tuple[tuple[str, str], ...] = ()
    """The reference summary's points (example.summaries.POINTS), written from the thread without random draws."""


class Deck(Generic[T]):
    """Cards drawn without replacement and reshuffled when the pile is empty, so shares hold for any n."""

    def __init__(self, rng: random.Random, cards: Sequence[T]) -> None:
        self._rng, self._cards, self._pile = rng, list(cards), list[T]()

    def draw(self) -> T:
        """The next card."""
        if not self._pile:
            self._pile = list(self._cards)
            self._rng.shuffle(self._pile)
        return self._pile.pop()


class TicketStream:
    """Yields `(ticket dict, truth)` for n tickets; `customers` collects requesters when asked to."""

    def __init__(self, n: int, seed: int = 7, *, remember_customers: bool = False) -> None:
        self.n, self.seed = n, seed
        rng = random.Random(seed)
        self.kinds = Deck(rng, [kind for kind, count in KIND_CARDS for _ in range(count)])
        self.categories = {
            "answer": Deck(rng, ANSWERABLE), "escalation": Deck(rng, ESCALATION), "off_topic": Deck(rng, [OFF_TOPIC])
        }
        self.intents = {category: Deck(rng, intents) for category, intents in BY_CATEGORY.items()}
        self.recent: deque[tuple[dict[str, Any], TicketTruth]] = deque(maxlen=200)
        self.recent_customers: deque[int] = deque(maxlen=400)
        self.next_customer = 0
        self.next_comment_id = FIRST_COMMENT_ID
        self.customers: dict[int, tuple[Customer, datetime]] | None = {} if remember_customers else None

    def __iter__(self) -> Iterator[tuple[dict[str, Any], TicketTruth]]:
        for index in range(self.n):
            yield self.ticket(index)

    def ticket(self, index: int) -> tuple[dict[str, Any], TicketTruth]:
        """The ticket at this position of the stream."""
        ticket_id = FIRST_TICKET_ID + index
        kind = self.kinds.draw()
        if kind in ("duplicate", "near_duplicate"):
            if self.recent:
                return self.duplicate(index, ticket_id, kind)
            kind = "answer"
        intent = self.intents[self.categories[kind].draw()].draw()
        ticket, truth = self.original(index, ticket_id, intent)
        self.recent.append((ticket, truth))
        return ticket, truth

    def original(self, index: int, ticket_id: int, intent: Intent) -> tuple[dict[str, Any], TicketTruth]:
        """A new conversation about one intent."""
        rng = random.Random(f"{self.seed}:ticket:{index}")
        created = START + (END - START) * ((index + rng.random()) / max(self.n, 1))
        customer = self.pick_customer(rng, created)
        slots = ticket_slots(rng, customer, intent.item, created)
        subject = rng.choice(GENERIC_SUBJECTS if rng.random() < GENERIC_SUBJECT_RATE else intent.subjects)
        agent = rng.choice(AGENTS)
        thread = Thread(rng, customer, agent, slots, subject.format_map(slots), created, rich=rng.random() < HTML_RATE,
                        category=intent.category, intent=intent.key)
        kind = kind_of(intent.category)
        style = write_conversation(thread, intent, kind)
        meta = ticket_meta(rng, thread, kind, intent.category, style)
        ticket = ticket_dict(ticket_id, thread, meta, self.take_comment_ids(len(thread.turns)))
        noise = noise_of(thread, style, meta)
        if customer_pii(thread):
            noise.add("pii")
        truth = TicketTruth(str(ticket_id), kind, intent.category, intent.key, frozenset(noise), planted_pii(thread),
                            summary=reference_points(thread, intent))
        return ticket, truth

    def pick_customer(self, rng: random.Random, created: datetime) -> Customer:
        """A returning customer now and then, otherwise a new one."""
        if self.recent_customers and rng.random() < REPEAT_CUSTOMER_RATE:
            index = rng.choice(self.recent_customers)
        else:
            index, self.next_customer = self.next_customer, self.next_customer + 1
            self.recent_customers.append(index)
        customer = customer_for(self.seed, index)
        if self.customers is not None and customer.user_id not in self.customers:
            self.customers[customer.user_id] = (customer, created)
        return customer

    def take_comment_ids(self, count: int) -> int:
        """The first of `count` fresh comment ids."""
        first, self.next_comment_id = self.next_comment_id, self.next_comment_id + count
        return first

    def duplicate(self, index: int, ticket_id: int, kind: str) -> tuple[dict[str, Any], TicketTruth]:
        """A re-export of a recent ticket under a new id, exact or with a word or two changed."""
        rng = random.Random(f"{self.seed}:duplicate:{index}")
        original, truth = rng.choice(self.recent)
        ticket = copy.deepcopy(original)
        ticket.update(id=ticket_id, external_id=str(ticket_id), url=f"{ZENDESK_URL}/api/v2/tickets/{ticket_id}.json")
        first_id = self.take_comment_ids(len(ticket["comments"]))
        for n, comment in enumerate(ticket["comments"]):
            comment["id"] = first_id + n
        if kind == "near_duplicate":
            edit_first_message(ticket, rng)
        noise = truth.noise | {kind}
        return ticket, replace(truth, external_id=str(ticket_id), noise=noise, duplicate_of=truth.external_id)


def write_conversation(thread: Thread, intent: Intent, kind: str) -> str:
    """Write the thread for the ticket's kind; returns the answer style used."""
    if kind == "escalation":
        escalation_thread(thread, intent)
        return "normal"
    if kind == "off_topic":
        off_topic_thread(thread, intent)
        return "normal"
    style = answer_style(thread.rng, intent, thread.clock)
    answer_thread(thread, intent, style, thread_flow(thread.rng, intent, style))
    return style


def noise_of(thread: Thread, style: str, meta: dict[str, Any]) -> set[str]:
    """The noise names planted in a ticket: those the thread recorded plus the answer style's."""
    noise = set(thread.noise)
    style_noise = {"outdated": "outdated_policy", "long": "long_answer", "non_answer": "non_answer"}
    if style in style_noise:
        noise.add(style_noise[style])
    if (meta["satisfaction_rating"] or {}).get("score") == "bad":
        noise.add("low_csat")
    if any(turn.rich for turn in thread.turns):
        noise.add("html")
    return noise


def pii_candidates(thread: Thread) -> list[tuple[str, str]]:
    """The personal data of this ticket's customer that the corpus may have planted."""
    s = thread.slots
    return [
        ("name", s["full"]), ("name", s["first"]), ("email", s["email"]), ("phone", s["phone_number"]),
        ("address", s["address"]), ("card", s["card"]), ("order", s["order"]),
    ]


def _found(value: str, text: str) -> bool:
    # A plain scan with a word-boundary check: compiling a regex per value would dominate the generator's time.
    start = text.find(value)
    while start != -1:
        end = start + len(value)
        before_ok = start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")
        after_ok = end == len(text) or not (text[end].isalnum() or text[end] == "_")
        if before_ok and after_ok:
            return True
        start = text.find(value, start + 1)
    return False


def planted_pii(thread: Thread) -> tuple[tuple[str, str], ...]:
    """Personal data that appears in the subject or any public comment."""
    public = "\n".join([thread.subject, *(t.body for t in thread.turns if t.role != "note")])
    return tuple(c for c in pii_candidates(thread) if _found(c[1], public))


def customer_pii(thread: Thread) -> list[tuple[str, str]]:
    """Personal data the customer wrote themselves (the `pii` noise)."""
    written = "\n".join(t.body for t in thread.turns if t.role == "customer")
    return [c for c in pii_candidates(thread) if _found(c[1], written)]


def edit_first_message(ticket: dict[str, Any], rng: random.Random) -> None:
    """Change a word or two of the first customer message (and the description that mirrors it)."""
    comment = ticket["comments"][0]
    body = comment["body"]
    edits = [(old, new) for old, new in NEAR_DUPLICATE_EDITS if re.search(rf"\b{re.escape(old)}\b", body)]
    for old, new in rng.sample(edits, min(len(edits), rng.choice((1, 2)))):
        body = re.sub(rf"\b{re.escape(old)}\b", new, body, count=1)
    if body == comment["body"]:
        body = body.replace("\n\n", " Thanks.\n\n", 1) if "\n\n" in body else body + " Thanks."
    comment.update(body=body, plain_body=body, html_body=plain_html(body))
    ticket["description"] = body


def generate_tickets(
    n: int = 1500, seed: int = 7
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[TicketTruth]]:
    """Zendesk ticket dicts with embedded comments, the user dicts of every requester and agent, and the truths."""
    stream = TicketStream(n, seed, remember_customers=True)
    tickets, truths = [], []
    for ticket, truth in stream:
        tickets.append(ticket)
        truths.append(truth)
    return tickets, users_for(stream.customers or {}), truths
