"""Replies that build writes itself: escalation hand-overs, off-topic refusals, and "I can't see that from here".

Each is written in the brand's voice (greeting and sign-off from policies.yaml) and varied deterministically per
ticket, so the same corpus always builds the same files.
"""

from __future__ import annotations

import hashlib
import re

from tunedesk.checks.marker import add_marker, reason_code
from tunedesk.config import CannotKnowRule, DatasetConfig
from tunedesk.config.policies import Voice

EMPATHY = {
    "default": ["Thank you for letting us know, and I'm sorry for the trouble.",
                "Thanks for getting in touch, and I'm sorry about this."],
    "furious_customer": ["I'm really sorry about how this has gone, and I understand why you're upset.",
                         "I'm truly sorry. You shouldn't have had to deal with this, and I understand your "
                         "frustration."],
    "legal_threat": ["I'm sorry to hear how strongly you feel, and I want to make sure this is handled properly."],
    "gdpr_deletion": ["Thank you for your request; we take your privacy seriously."],
    "chargeback": ["Thank you for telling us, and I'm sorry it has come to this."],
    "bug_report": ["Thanks for letting us know, and I'm sorry the site gave you trouble.",
                   "Thank you for reporting this, and sorry for the hassle."],
    "refund_exception": ["Thanks for explaining what happened, and I'm sorry for the hassle.",
                         "I understand, and I'm sorry this didn't work out."],
    "cancellation": ["No problem at all, I understand.", "Of course, thanks for letting us know."],
}
HANDOVER = [
    "I've passed your message to {team}, who can look at this properly and will get back to you shortly.",
    "I'm handing this over to {team} so the right person can take care of it; they'll be in touch soon.",
    "I've shared everything you wrote with {team}, and they'll reply to you directly.",
    "This is one for {team}, so I've sent them your message; they'll be in touch soon.",
]


_SENTENCE = re.compile(r"^(.{12,200}?[.!])(?:\s|$)", re.DOTALL)
_GREETING_LINE = re.compile(r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n]{0,40}\n+",
                            re.IGNORECASE)
_NOT_PLAIN = re.compile(
    r"[$<>@/:]|\d+\s*(?:%|days?|hours?|weeks?|months?|years?|am|pm|business)\b|https?|www\."
    r"|\b(?:refund|replac|compensat|guarante|promis|waiv|escalat|arrang|forward|deliver)\w*"
    r"|\b(?:free|credit|discount|voucher|ship|ships|shipped|shipping|send|sent|team|pass|passed|hand|handed|"
    r"contact|call|email|reply|within|today|tomorrow|hours?|days?|weeks?|will|we'll|i'll|can't|cannot|policy)\b",
    re.IGNORECASE)


def agent_opening(reply: str | None) -> str | None:
    """The agent's first sentence after the greeting when it is a plain acknowledgement (at most 25 words; no
    amount, duration, link, placeholder, hand-over or commitment; a product's model number is fine), else None."""
    if not reply:
        return None
    body = _GREETING_LINE.sub("", reply.strip(), count=1).lstrip()
    found = _SENTENCE.match(body)
    if found is None:
        return None
    sentence = " ".join(found.group(1).split())
    if len(sentence.split()) > 25 or _NOT_PLAIN.search(sentence):
        return None
    return sentence


def pick(options: list[str], key: str) -> str:
    """A deterministic choice among variants for one ticket."""
    digest = hashlib.sha1(key.encode()).digest()
    return options[digest[0] % len(options)]


def frame(voice: Voice, name: str | None, body: str, sign_off: bool) -> str:
    """The body between the brand's greeting and sign-off."""
    greeting = voice.greeting.format(name=name or "there")
    text = f"{greeting}\n\n{body.strip()}"
    return f"{text}\n\n{voice.sign_off.strip()}" if sign_off else text


def escalation_reply(reason: str, key: str, voice: Voice, name: str | None, config: DatasetConfig,
                     sign_off: bool, opening: str | None = None) -> str:
    """Empathy (the agent's own opening when given), a hand-over to the right team, and the escalation marker on
    the last line."""
    code = reason_code(reason)
    team = config.escalation_teams.get(code, "a member of our team")
    empathy = opening or pick(EMPATHY.get(code, EMPATHY["default"]), key)
    body = f"{empathy} {pick(HANDOVER, key + 'h').format(team=team)}"
    return add_marker(frame(voice, name, body, sign_off), code)


def refusal_reply(key: str, voice: Voice, name: str | None, config: DatasetConfig, sign_off: bool) -> str:
    """The brand's polite refusal for a question that is not about the business."""
    body = pick(config.refusals, key).format(refusal=voice.refusal.strip())
    return frame(voice, name, body, sign_off)


def cannot_know_reply(rule: CannotKnowRule, voice: Voice, name: str | None, sign_off: bool,
                      opening: str | None = None) -> str:
    """Says the live data cannot be seen from here, and how to check it (after the agent's own opening when
    given)."""
    return frame(voice, name, f"{opening} {rule.reply}" if opening else rule.reply, sign_off)
