"""The escalation marker: the one machine-readable way a reply says "a human must take this".

Build ends every escalation target with it, eval reads it to score the escalation decision, and the server strips
it from the text and acts on it. Format (one line, at the very end of the reply):

    [[escalate: <reason>]]

`<reason>` is a short snake_case reason code (`refund_exception`, `chargeback`, `legal_threat`, `gdpr_deletion`,
`furious_customer`, `bug_report`, `cancellation`, `handover`, …). Reading is lenient (case, spaces, a missing
closing bracket at the end of a truncated generation); writing is always exact. A marker whose reason cannot be
read at all (`[[escalate: up: 1]]`, a small model's slip) reads as `handover`: a reply that started to hand over is
never sent as it is, and a customer never sees half a marker. The server hands it over when the reply itself hands
over and otherwise holds the draft for a person (answer/guards.py, model_escalated). Validation asks for the exact
form (`readable`).
"""

from __future__ import annotations

import re

_FORMAT = "[[escalate: {reason}]]"
_READ = re.compile(r"\[\[\s*escalate\s*:\s*([A-Za-z0-9_\-]{1,64})\s*(?:\]\]?)?\s*$", re.IGNORECASE)
_ANYWHERE = re.compile(r"\[\[\s*escalate\s*:\s*([A-Za-z0-9_\-]{1,64})\s*\]\]", re.IGNORECASE)
_GARBLED = re.compile(r"\[\[\s*escalate\b[^\[\]\n]{0,80}(?:\]\]?|(?=\n)|$)", re.IGNORECASE)
_REASON = re.compile(r"[^a-z0-9_]+")


def reason_code(reason: str) -> str:
    """A reason as a marker code: lower snake_case."""
    return _REASON.sub("_", reason.strip().lower()).strip("_") or "handover"


def add_marker(text: str, reason: str) -> str:
    """The reply with the escalation marker on its own last line."""
    return f"{text.rstrip()}\n{_FORMAT.format(reason=reason_code(reason))}"


def strip_marker(text: str) -> tuple[str, str | None]:
    """(reply without the marker, the reason) — the reason is None when the reply does not escalate."""
    found = _READ.search(text) or _ANYWHERE.search(text)
    if found:
        return (text[: found.start()] + text[found.end() :]).rstrip(), reason_code(found.group(1))
    garbled = _GARBLED.search(text)
    if garbled:
        return (text[: garbled.start()] + text[garbled.end() :]).rstrip(), "handover"
    return text, None


def readable(text: str) -> bool:
    """True when the text's escalation marker is written as `[[escalate: <reason>]]` with a readable reason."""
    return bool(_READ.search(text) or _ANYWHERE.search(text))


def escalates(text: str) -> bool:
    """True when the reply carries the escalation marker."""
    return strip_marker(text)[1] is not None
