"""A cleaned ticket's thread as chat turns: the conversation so far, and the agent reply it should teach."""

from __future__ import annotations

import re

from tunedesk.records import ChatTurn, Role, Ticket

_GREETING = re.compile(
    r"^(?P<word>hi|hello|hey|dear|good (?:morning|afternoon|evening))[ ,]+(?P<name><NAME_\d+>|[^\s,!]+)?",
    re.IGNORECASE)
_PLACEHOLDER = re.compile(r"<[A-Z]+_\d+>")


def thread_turns(ticket: Ticket) -> list[ChatTurn]:
    """Customer and agent messages as alternating user/assistant turns, starting with the customer."""
    turns: list[ChatTurn] = []
    for message in ticket.messages:
        role = {Role.customer: "user", Role.agent: "assistant"}.get(message.role)
        if role is None or not message.body.strip():
            continue
        if not turns and role == "assistant":
            continue  # an outbound first message: there is no question to answer
        if turns and turns[-1].role == role:
            turns[-1] = ChatTurn(role=role, content=f"{turns[-1].content}\n\n{message.body.strip()}")
        else:
            turns.append(ChatTurn(role=role, content=message.body.strip()))
    return turns


def conversations(turns: list[ChatTurn], mode: str) -> list[list[ChatTurn]]:
    """The conversations to train on: up to the final agent reply, or (each_turn) up to every agent reply."""
    ends = [i for i, t in enumerate(turns) if t.role == "assistant"]
    if not ends:
        return []
    chosen = ends if mode == "each_turn" else ends[-1:]
    return [turns[: end + 1] for end in chosen]


def customer_name(turns: list[ChatTurn], reply: str | None) -> str | None:
    """The placeholder naming the customer, when the reply greets them by one the customer's own words contain."""
    if not reply:
        return None
    found = _GREETING.match(reply.strip())
    name = found.group("name") if found else None
    customer = "\n".join(t.content for t in turns if t.role == "user")
    return name if name and _PLACEHOLDER.fullmatch(name) and name in customer else None


def ground_greeting(reply: str, turns: list[ChatTurn], fallback: str = "there") -> str:
    """Greet by a name placeholder only if the customer's words contain it; otherwise "Hi there," — a model must
    not learn to greet a name it was never given."""
    found = _GREETING.match(reply)
    if not found or not found.group("name") or not _PLACEHOLDER.fullmatch(found.group("name")):
        return reply
    customer = "\n".join(t.content for t in turns if t.role == "user")
    if found.group("name") in customer:
        return reply
    return reply[: found.start("name")] + fallback + reply[found.end("name") :]
