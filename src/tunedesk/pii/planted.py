"""A planted-PII benchmark: seeded tickets with known personal values (and benign look-alikes) at known places, and
the score of a redaction over them: recall per kind, and the share of look-alikes it wrongly masked.

`planted_set("dev", n, seed)` draws from `planted_lists.DEV` (the set looked at while improving redaction),
`planted_set("test", ...)` from `planted_lists.TEST` (other names, places and phrasings, only scored). Values are
placed in subjects, customer and agent messages, and sign-off blocks.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tunedesk.pii.planted_lists import BRAND, DEV, TEST
from tunedesk.pii.planted_values import VALUE_MAKERS, name_value
from tunedesk.records import Message, Role, Ticket

KINDS = ("name", "email", "phone", "card", "iban", "ssn", "ni_number", "date_of_birth", "ipv4", "ipv6", "address",
         "postcode", "username", "order_number", "account_number")
STRUCTURED = frozenset(KINDS) - {"name", "address"}
"""Kinds with a fixed shape: the target is 99 % recall (names and addresses: 95 %)."""
BENIGN_KINDS = ("product", "price", "size", "model", "time", "date", "brand_contact")
_LISTS = {"dev": DEV, "test": TEST}
_FIELDS = ("subject", "customer", "agent", "signature")


@dataclass(frozen=True)
class Plant:
    """One planted value: the ticket, the field (0 subject, 1 customer message, 2 agent message) and the text."""

    ticket: int
    field: int
    kind: str
    value: str
    benign: bool = False


@dataclass
class PlantedSet:
    """Tickets and what was planted in them."""

    tickets: list[Ticket] = field(default_factory=list)
    plants: list[Plant] = field(default_factory=list)


def planted_set(which: str, tickets: int, seed: int) -> PlantedSet:
    """`tickets` tickets drawn from the dev or test lists, each with 2-4 planted values and 1-2 look-alikes."""
    words = _LISTS[which]
    rng = random.Random(f"{which}:{seed}")
    out = PlantedSet()
    for i in range(tickets):
        kinds = [KINDS[(i * 3 + j) % len(KINDS)] for j in range(rng.randint(2, 4))]
        out.tickets.append(_ticket(i, kinds, words, rng, out.plants))
    return out


def _ticket(i: int, kinds: list[str], words: dict[str, Any], rng: random.Random, plants: list[Plant]) -> Ticket:
    subject = ""
    bodies = {"customer": [rng.choice(words["filler"])], "agent": [rng.choice(words["agent_filler"])]}
    used: set[str] = set()
    for kind in kinds:
        value = _fresh(kind, words, rng, used)
        where = rng.choice(_FIELDS[:3] if kind != "name" else _FIELDS)
        if where == "subject" and kind != "name" and not subject:
            subject = rng.choice(words["subjects"]).format(v=value, label=words["subject_labels"][kind])
        elif kind == "name" and where in ("signature", "subject"):  # a name goes on the sign-off block
            bodies["customer"].append(rng.choice(words["signoffs"]).format(v=value))
            where = "customer"
        else:  # before the sign-off, if there is one; a second subject value goes to the customer's message
            where = "agent" if where == "agent" else "customer"
            body = bodies[where]
            body.insert(len(body) - 1 if len(body) > 1 else 1, _sentence(kind, value, words, rng))
        plants.append(Plant(i, _FIELDS.index(where), kind, value))
    for _ in range(rng.randint(1, 2)):
        kind = rng.choice(BENIGN_KINDS)
        value = _benign(kind, words, rng, used)
        where = rng.choice(("customer", "agent"))
        bodies[where].insert(1, rng.choice(words["benign_templates"]).format(v=value))
        plants.append(Plant(i, _FIELDS.index(where), kind, value, benign=True))
    messages = [Message(role=Role.customer, body="\n\n".join(bodies["customer"])),
                Message(role=Role.agent, body=" ".join(bodies["agent"]))]
    return Ticket(id=f"planted:{i}", source="planted", external_id=str(i),
                  subject=subject or rng.choice(words["filler"])[:40], messages=messages)


def _fresh(kind: str, words: dict[str, Any], rng: random.Random, used: set[str]) -> str:
    """A value of this kind not yet used in the ticket (so each value's survival can be checked by its text)."""
    while True:
        value = name_value(words, rng) if kind == "name" else VALUE_MAKERS[kind](words, rng)
        if value not in used and not any(value in u or u in value for u in used):
            used.add(value)
            return value


def _sentence(kind: str, value: str, words: dict[str, Any], rng: random.Random) -> str:
    templates = words["name_templates"] if kind == "name" else words["kind_templates"][kind]
    return rng.choice(templates).format(v=value)


def _benign(kind: str, words: dict[str, Any], rng: random.Random, used: set[str]) -> str:
    pools = {"product": words["products"], "price": words["prices"], "size": words["sizes"], "model": words["models"],
             "time": words["times"], "date": words["dates"], "brand_contact": BRAND["contacts"]}
    value = rng.choice(pools[kind] if kind != "product" else [p for p in pools[kind] if p not in used])
    used.add(value)
    return value


_TOKEN = re.compile(r"[^\W_]{2,}")


def leaked(plant: Plant, original: str, redacted: str) -> bool:
    """Whether any identifying part of a planted value is still in the redacted text: the whole value, or a word of
    it (2+ letters or digits) that the rest of the original text does not also contain. For order and account
    numbers only the words with digits count: 'CU-<ACCOUNT_1>' keeps the prefix every customer's number has."""
    if plant.value in redacted:
        return True
    rest = original.replace(plant.value, " ")
    tokens = _TOKEN.findall(plant.value)
    if plant.kind in ("order_number", "account_number"):
        tokens = [t for t in tokens if any(c.isdigit() for c in t)]
    return any(_word(t).search(redacted) for t in tokens if not _word(t).search(rest))


def _word(token: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![^\W_]){re.escape(token)}(?![^\W_])")


def field_texts(ticket: Ticket) -> list[str]:
    """The subject, the customer message and the agent message: where `Plant.field` points."""
    return [ticket.subject, ticket.messages[0].body, ticket.messages[1].body]


def score(planted: PlantedSet, redact: Callable[[Ticket], Ticket]) -> dict[str, Any]:
    """Recall per planted kind and the share of look-alikes masked per benign kind, with the values missed."""
    redacted = [field_texts(redact(t)) for t in planted.tickets]
    originals = [field_texts(t) for t in planted.tickets]
    total, caught, benign, masked = Counter[str](), Counter[str](), Counter[str](), Counter[str]()
    missed: dict[str, list[str]] = {}
    for p in planted.plants:
        before, after = originals[p.ticket][p.field], redacted[p.ticket][p.field]
        if p.benign:
            benign[p.kind] += 1
            if p.value not in after:
                masked[p.kind] += 1
                missed.setdefault(f"benign:{p.kind}", []).append(p.value)
        else:
            total[p.kind] += 1
            if leaked(p, before, after):
                missed.setdefault(p.kind, []).append(p.value)
            else:
                caught[p.kind] += 1
    return _summary(total, caught, benign, masked, missed)


def _summary(total: Counter[str], caught: Counter[str], benign: Counter[str], masked: Counter[str],
             missed: dict[str, list[str]]) -> dict[str, Any]:
    recall = {k: {"planted": total[k], "caught": caught[k], "recall": caught[k] / total[k]} for k in KINDS if total[k]}
    over = {k: {"planted": benign[k], "masked": masked[k], "share": masked[k] / benign[k]}
            for k in BENIGN_KINDS if benign[k]}
    structured = [k for k in recall if k in STRUCTURED]
    return {
        "planted": sum(total.values()), "kinds": len(recall), "benign": sum(benign.values()),
        "recall": recall, "over_redaction": over,
        "structured_recall": sum(caught[k] for k in structured) / max(1, sum(total[k] for k in structured)),
        "names_addresses_recall": (caught["name"] + caught["address"]) / max(1, total["name"] + total["address"]),
        "benign_masked_share": sum(masked.values()) / max(1, sum(benign.values())),
        "missed": {k: v[:20] for k, v in missed.items()},
    }

