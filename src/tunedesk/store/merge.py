"""Merging a re-imported ticket into the stored one: a payload that carries less never erases what was stored.

Helpdesks hand out the same ticket in several shapes: a detail payload with the whole thread, notes and tags, and
list or search payloads with the ticket's fields but no conversation (and sometimes fewer tags). Whatever order
they are imported in, the stored ticket ends with everything any of them carried.

Messages are matched one to one, in three passes: the same message (role, author, time, text); then the same
author at the same time with the same visibility (an edited or re-rendered message); then the same role and text
(the same message under another clock). A matched message takes the newer payload's version, a stored message
nothing matches is kept, an incoming one is added. Tags and participants are the union. The other fields come from
the newer version (by `updated_at`; the incoming one when that is unknown or equal), the older filling what the
newer leaves empty; metadata keys are merged the same way.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from tunedesk.records import Message, Participant, Ticket

_K = TypeVar("_K", bound=Hashable)
_SCALARS = ("subject", "category", "status", "csat", "channel", "created_at", "updated_at", "escalation", "quality")
_MATCH_KEYS: tuple[Callable[[Message], Hashable], ...] = (
    lambda m: (m.role, m.author, m.created_at, m.body),
    lambda m: (m.author, m.created_at, m.public),
    lambda m: (m.role, " ".join(m.body.split())),
)


def merge_ticket(stored: Ticket, incoming: Ticket) -> Ticket:
    """The incoming ticket merged into the stored one: nothing stored is lost, whatever is new or newer is taken."""
    incoming_newer = not _older(incoming.updated_at, stored.updated_at)
    newer, older = (incoming, stored) if incoming_newer else (stored, incoming)
    fields: dict[str, Any] = {}
    for name in _SCALARS:
        value = getattr(newer, name)
        fields[name] = getattr(older, name) if value is None or value == "" else value
    return Ticket(
        id=stored.id,
        source=stored.source,
        external_id=stored.external_id,
        messages=merge_messages(stored.messages, incoming.messages, incoming_newer),
        participants=_union(stored.participants, incoming.participants, _person),
        tags=_union(stored.tags, incoming.tags, str),
        metadata={**older.metadata, **newer.metadata},
        **fields,
    )


def merge_messages(stored: list[Message], incoming: list[Message], incoming_newer: bool = True) -> list[Message]:
    """Every stored message (a matched one in the newer version) and every new one, in time order when all have one."""
    pairs = _pair(stored, incoming)
    merged = [
        (incoming[pairs[i]] if incoming_newer else message) if i in pairs else message
        for i, message in enumerate(stored)
    ]
    matched = set(pairs.values())
    merged += [message for j, message in enumerate(incoming) if j not in matched]
    if any(m.created_at is None for m in merged):
        return merged
    try:
        return sorted(merged, key=_time)
    except TypeError:  # naive and aware times cannot be compared: keep the stored order
        return merged


def _pair(stored: list[Message], incoming: list[Message]) -> dict[int, int]:
    """stored index → incoming index, each message used once, the strictest key first."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for key in _MATCH_KEYS:
        waiting: dict[Hashable, deque[int]] = defaultdict(deque)
        for j, message in enumerate(incoming):
            if j not in used:
                waiting[key(message)].append(j)
        for i, message in enumerate(stored):
            if i not in pairs and (queue := waiting.get(key(message))):
                pairs[i] = queue.popleft()
                used.add(pairs[i])
    return pairs


def _union(stored: Iterable[Any], incoming: Iterable[Any], key: Callable[[Any], _K]) -> list[Any]:
    """The stored items in their order, then the incoming ones not among them."""
    found: dict[_K, Any] = {}
    for item in [*stored, *incoming]:
        found.setdefault(key(item), item)
    return list(found.values())


def _person(person: Participant) -> tuple[str | None, str | None]:
    return person.name, person.email


def _older(incoming: datetime | None, stored: datetime | None) -> bool:
    """True when both times are known and the incoming one is earlier (a naive and an aware time: unknown)."""
    if incoming is None or stored is None:
        return False
    try:
        return incoming < stored
    except TypeError:
        return False


def _time(message: Message) -> datetime:
    return message.created_at or datetime.min  # sorted only when every message has a time
