"""Reference summaries of the example's threads: the four points a handover summary should carry (what the
customer wants, what was tried, what is promised, the open question), written from what the generator already
knows about a finished thread — its intent's templates, its slots, its turns.

Nothing here draws from a random generator, so adding references leaves every ticket of the corpus unchanged.
The example workspace keeps them in references/summaries.jsonl, one line per ticket, keyed by store ticket id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from tunedesk.example.conversation import Thread, without_greeting
from tunedesk.example.intent import Intent
from tunedesk.example.phrases import CLARIFY_ORDER, FOLLOWUP_LEADS, GREETING, VALEDICTION

POINTS = ("want", "tried", "promised", "open")
"""The reference points, in the order a summary gives them."""
REFERENCES_FILE = "references/summaries.jsonl"
"""Where a workspace keeps its reference summaries, relative to it: one JSON object a line, {"ticket_id", "want",
"tried", "promised", "open"} (the example corpus writes it; `eval --task summaries` reads it; bring your own for
your threads)."""
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PROMISE = re.compile(r"\b(?:we'll|we will|i'll|i will|will be|within|free of charge)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z]+")


def reference_points(thread: Thread, intent: Intent) -> tuple[tuple[str, str], ...]:
    """(point, text) for a finished thread; a point the thread has nothing for is an empty string."""
    customers = [t.body for t in thread.turns if t.role == "customer"]
    agents = [t.body for t in thread.turns if t.role == "agent"]
    if not customers or not agents:
        return ()
    clarify = any(template in agents[0] for template in CLARIFY_ORDER)
    want = [_asked(thread, intent, customers[0])]
    tried = [thread.tried] if thread.tried else []
    if clarify:
        tried.append("The agent asked for the order number and the customer sent it.")
    elif len(agents) > 1:
        want.append(_follow_up(customers[1], thread.agent.first))
        tried.append("The agent already answered: " + _substantive(_sentences(_core(agents[0], thread))))
    last_public = next(t for t in reversed(thread.turns) if t.role != "note")
    open_question = _first_paragraph(last_public.body) if last_public.role == "customer" else ""
    points = (" ".join(w for w in want if w), " ".join(tried), _promised(_core(agents[-1], thread)),
              open_question if "?" in open_question else "")
    return tuple(zip(POINTS, points, strict=True))


def references_jsonl(rows: Iterable[tuple[str, tuple[tuple[str, str], ...]]], source: str = "zendesk") -> str:
    """The references file: one JSON object per ticket with points ({"ticket_id", "want", "tried", ...})."""
    lines = [json.dumps({"ticket_id": f"{source}:{external_id}", **dict(points)}, ensure_ascii=False) + "\n"
             for external_id, points in rows if points]
    return "".join(lines)


def _asked(thread: Thread, intent: Intent, opening: str) -> str:
    """The customer's question as the template wrote it (before any typos): the one in the opening message, or the
    one sharing the most words with it."""
    asks = []
    for template in intent.asks:
        try:
            asks.append(without_greeting(thread.fill(template)))
        except (KeyError, IndexError):
            continue
    found = [a for a in asks if a in opening]
    if found:
        return max(found, key=len)
    words = set(_WORD.findall(opening.lower()))
    return max(asks, key=lambda a: len(words & set(_WORD.findall(a.lower()))), default="")


def _follow_up(message: str, agent_first: str) -> str:
    """The second question of a follow-up message, without its "Thanks!" lead and the quoted reply."""
    text = _first_paragraph(message)
    for lead in FOLLOWUP_LEADS:
        lead = lead.format(agent=agent_first)
        if text.startswith(lead):
            return text[len(lead):].strip()
    return text


def _core(body: str, thread: Thread) -> str:
    """An agent reply without the greeting, the valediction and the signature."""
    paragraphs = body.split("\n\n")
    if paragraphs and paragraphs[0] == GREETING.format(first=thread.customer.first):
        paragraphs = paragraphs[1:]
    end = VALEDICTION.format(agent=thread.agent.first).split("\n", 1)[0]
    cut = next((i for i, p in enumerate(paragraphs) if p.startswith(end)), len(paragraphs))
    return " ".join(p.strip() for p in paragraphs[:cut] if p.strip())


def _promised(core: str) -> str:
    """What the agent commits to in the final reply: its sentences with a commitment, else its first sentence."""
    sentences = _sentences(core)
    promises = [s for s in sentences if _PROMISE.search(s)]
    return " ".join(promises[:2]) if promises else sentences[0]


def _substantive(sentences: list[str]) -> str:
    """The first sentence long enough to say something (not "Happy to help with billing.")."""
    return next((s for s in sentences if len(s.split()) >= 9), sentences[0])


def _sentences(text: str) -> list[str]:
    found = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    return found or [""]


def _first_paragraph(text: str) -> str:
    return text.split("\n\n", 1)[0].strip()
