"""How a reply behaves, read heuristically from its wording: does it refuse, say it cannot see live data, invent a
status, give the right escalation reason, and have the acknowledge / solve / next-step shape.

All patterns are precompiled and matched on lower-cased text; each detector is a handful of phrases chosen from the
reply banks build writes (config/data.py) and their common paraphrases.
"""

from __future__ import annotations

import re
from typing import Any

from tunedesk.text.sentences import sentences

_WORDS = re.compile(r"[a-z][a-z'’]+")

_REFUSAL = re.compile(
    r"\b(?:i|we) can only (?:help|assist) with|\bonly (?:able|here) to (?:help|assist) with"
    r"|\b(?:not|n't) (?:able to )?(?:help|assist) (?:you )?with (?:that|this|questions? (?:like|about|that))"
    r"|\bunable to (?:help|assist) with (?:that|this)|\boutside (?:of )?what i can (?:help|assist) with"
    r"|\b(?:can't|cannot|can not) (?:help|assist) with (?:that|this|questions)|\bnot something i can (?:help|assist)"
    # first person declining whatever follows: "I'm unable to assist with your order from Hungary"
    r"|\b(?:i|we)(?:'m| am|'re| are) (?:unable|not able) to (?:help|assist) (?:you )?with\b"
    r"|\b(?:i|we) (?:can't|cannot|can not) (?:help|assist) (?:you )?with\b")
_CANNOT_SEE = re.compile(
    r"\b(?:can't|cannot|can not|unable to|not able to|don't|do not)\s+(?:see|access|check|view|look up|tell)"
    r"(?:\s+(?:any|the|your|live|real-time|current))*\s+(?:live|real-time|current|order|tracking|stock|inventory"
    r"|status|delivery|shipping)"
    r"|\b(?:no|don't have|do not have) (?:live |real-time )?access to|\bfrom here\b")
_HOW_TO_CHECK = re.compile(
    r"account\s*>\s*orders|tracking (?:link|number|page)|shipping (?:confirmation|email)|product page|notify me"
    r"|restock (?:email|alert|notification)|back[- ]in[- ]stock|(?:reply|write back|send us|let us know|tell me)"
    r"[^.]{0,40}(?:order number|item|size)|(?:team|colleague|someone) (?:will|can) (?:check|look)")
_STATUS_CLAIM = re.compile(
    r"\b(?:has|have|was|were) (?:already |just )?(?:been )?(?:shipped|dispatched|delivered|sent out)"
    r"|\b(?:shipped|dispatched|delivered) (?:yesterday|today|this morning|on \w+)"
    r"|\bis (?:currently |now )?(?:on (?:its|the) way|in transit|out for delivery|with the carrier)"
    r"|\b(?:will|should) (?:arrive|be delivered|be back(?: in stock)?|restock|ship)"
    r" (?:on|by|tomorrow|today|next|this|within|in \d)"
    r"|\b(?:we|they) (?:have|still have) (?:\d+|a few|only \w+|plenty)(?: \w+)? (?:in stock|left|available)"
    r"|\b\d+ (?:units?|pieces|pairs|left) (?:in stock|left|available)|\bis (?:currently |still )?(?:in stock|sold out"
    r"|available in)|\b(?:back in stock|restocked|restocking) (?:on|by|next|in \d|within)"
    r"|\bexpected (?:delivery|to arrive) (?:is |on |by )")
# A sentence with these words states a condition or a limit, not a status: "once it ships", "I can't see whether".
_HEDGE = re.compile(r"\b(?:if|once|whether|when|can't|cannot|unable|not able|don't|do not|usually|typically)\b")
_ACKNOWLEDGE = re.compile(
    r"\b(?:thank(?:s| you)|sorry|apolog|understand|happy to help|glad|great question|good news|no problem"
    r"|of course|absolutely|appreciate|i see|frustrat|hear)")
_NEXT_STEP = re.compile(
    r"\b(?:let (?:us|me) know|reply|write back|get in touch|contact|reach|head to|go to|visit|start|click|sign up"
    r"|you(?:'ll| will) (?:get|receive)|we(?:'ll| will)|they(?:'ll| will)|will be in touch|feel free|just|choose"
    r"|select|bring|send|drop|print|follow|check|call|email us)|https?://")
_GREETING = re.compile(r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n]{0,40}[,!]?\s*$")
_REQUEST = re.compile(
    r"\b(?:please|kindly) (?:provide|share|send|tell|confirm|specify|let (?:me|us) know)\b"
    r"|\b(?:could|can|would) you (?:please |kindly )?(?:provide|share|send|tell|confirm|specify|clarify"
    r"|let (?:me|us) know)\b|\bprovide (?:me|us) with\b|\bmay i (?:have|ask)\b")
# Sentences that put the answer off instead of giving it.
_DEFERS = re.compile(r"\b(?:we|i|our team|the team|they)(?:'ll| will| shall) (?:review|look into|get back"
                     r"|follow up|provide you with (?:the |any )?(?:necessary|further|more|relevant))")
# Words of any request, not what it asks for.
_REQUEST_WORDS = frozenset({"provide", "share", "send", "confirm", "specify", "clarify", "kindly", "assist",
                            "information", "details", "necessary", "further", "additional", "specific", "able",
                            "accurate", "better", "enable", "allow", "proceed"})
_WANTS_TO_HELP = re.compile(
    r"\b(?:assist|help|serve|guide) you\b|\b(?:enable|allow) (?:me|us)\b|\bour goal\b|\bi (?:can|will|am able to) "
    r"(?:assist|help)\b|\bi(?:'m| am) here to\b|\b(?:i|we)(?:'ll| will) (?:then )?be able to\b")
# A list item: "1. The date of purchase", "- your order number".
_LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[-*•])\s+")
# The customer addressed: a question with it after a request asks for more details.
_YOU = re.compile(r"\byour?\b")
# A sentence that is only an interjection: "Certainly!"
_INTERJECTION = re.compile(r"^(?:certainly|sure|of course|absolutely|definitely|no problem)[!.]?$")

# Reason codes a model may use for each escalation the product knows, keyed by build's code (checks/marker.py).
REASON_ALIASES: dict[str, frozenset[str]] = {
    "refund_exception": frozenset({"refund", "refunds", "returns", "refund_request", "return_exception"}),
    "chargeback": frozenset({"payment_dispute", "dispute", "billing", "charge_dispute"}),
    "legal_threat": frozenset({"legal", "lawsuit", "complaint", "formal_complaint", "legal_matter"}),
    "gdpr_deletion": frozenset({"gdpr", "privacy", "data_deletion", "data_request", "data_access", "gdpr_request"}),
    "furious_customer": frozenset({"angry_customer", "upset_customer", "customer_care", "furious", "angry"}),
    "bug_report": frozenset({"bug", "site_error", "website_error", "app_error", "technical_issue", "web"}),
    "cancellation": frozenset({"cancel", "order_cancellation", "cancel_order", "orders"}),
}


def greeting_line(reply: str) -> str:
    """The reply's first line when it is a greeting ("Hi Sam,"), else ""."""
    first = reply.strip().split("\n", 1)[0]
    return first if _GREETING.match(first.strip().lower()) else ""


def body_sentences(reply: str, sign_off: str = "") -> list[str]:
    """The reply's sentences without the greeting line and the sign-off."""
    text = reply.strip()
    if sign_off.strip() and sign_off.strip() in text:
        text = text[: text.rfind(sign_off.strip())]
    lines = text.split("\n")
    if greeting_line(text):
        lines = lines[1:]
    return [s for s in sentences("\n".join(lines)) if len(s) > 1]


def refuses(reply: str, refusal_sentence: str = "") -> bool:
    """Whether the reply declines the request (the voice's refusal sentence or a common paraphrase)."""
    lowered = reply.lower()
    sentence = refusal_sentence.strip().lower()
    return bool(sentence and sentence[:60] in lowered) or bool(_REFUSAL.search(lowered))


def answers_anyway(reply: str, customer_text: str, reference: str, sign_off: str = "") -> list[str]:
    """Words of the off-topic question that the reply takes up outside its refusal sentence (empty when it doesn't)."""
    ignore = set(_WORDS.findall(reference.lower())) | _STOPWORDS
    asked = {w for w in _WORDS.findall(customer_text.lower()) if len(w) > 3 and w not in ignore}
    taken: list[str] = []
    for sentence in body_sentences(reply, sign_off):
        lowered = sentence.lower()
        if _REFUSAL.search(lowered):
            continue
        taken.extend(w for w in _WORDS.findall(lowered) if w in asked and w not in taken)
    return taken if len(taken) >= 2 else []


def live_data_handling(reply: str) -> dict[str, Any]:
    """For a live-data question: says it cannot see the data, says how to check, and any invented status."""
    lowered = reply.lower()
    invented = [s for s in sentences(lowered) if _STATUS_CLAIM.search(s) and not _HEDGE.search(s)]
    return {"says_cannot_see": bool(_CANNOT_SEE.search(lowered)), "how_to_check": bool(_HOW_TO_CHECK.search(lowered)),
            "invented_status": invented}


def same_reason(expected: str | None, predicted: str | None) -> bool:
    """Whether a predicted escalation reason code names the same hand-over as the expected one."""
    if expected is None or predicted is None or expected == predicted:
        return True
    for code, aliases in REASON_ALIASES.items():
        group = aliases | {code}
        if expected in group and predicted in group:
            return True
    return False


def known_handover(reason: str | None) -> str | None:
    """The hand-over a reason code names (build's code, from the code itself or one of its aliases), or None for a
    code that names none: a guard's generic reason (negative_sentiment, low_confidence) or a made-up one."""
    for code, aliases in REASON_ALIASES.items():
        if reason == code or reason in aliases:
            return code
    return None


def structure(reply: str, sign_off: str = "") -> dict[str, bool]:
    """Acknowledge / solve / next step, detected from the body's sentences."""
    sentences = body_sentences(reply, sign_off)
    lowered = [s.lower() for s in sentences]
    acknowledged = any(_ACKNOWLEDGE.search(s) for s in lowered[:2])
    solving = [s for s in lowered if not (_ACKNOWLEDGE.search(s) and len(s) < 60)]
    return {"acknowledge": acknowledged, "solve": bool(solving),
            "next_step": any(_NEXT_STEP.search(s) for s in lowered)}


_TRAILS_OFF = re.compile(r"\b[a-z]+\s*(?:…|\.\.\.)\s*$")
"""A sentence that trails off after a lowercase word: "compare that with the chart before you …"."""
_FINISHED = re.compile(r"""(?:[.!?…:;)\]"'”’*]|https?://\S+|[\U0001F300-\U0001FAFF\u2600-\u27BF])\s*$""")


def cut_off(reply: str, sign_off: str = "") -> bool:
    """A reply that stops mid-sentence (the model's token limit cut it): it ends neither with a sentence's last
    character, nor with the brand's sign-off, nor with a short line after one ending in a comma
    ("Best regards,\nSam"); or it ends with only the start of the brand's sign-off ("Best regards,\nBitext" for
    "Best regards,\nBitext Shop"); or its body breaks off in an ellipsis mid-clause ("before you …")."""
    text = reply.rstrip()
    if not text:
        return False
    body = body_sentences(text, sign_off)
    if body and _TRAILS_OFF.search(body[-1]):
        return True
    if _FINISHED.search(text):
        return False
    said, brand = " ".join(text.split()), " ".join(sign_off.split())
    if brand and said.endswith(brand):
        return False
    opening = sign_off.strip().split("\n")[0].strip()
    if brand and opening != sign_off.strip() and opening in said and brand.startswith(said[said.rfind(opening):]):
        return True  # a sign-off of several lines, begun and not finished
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return not (len(lines) > 1 and lines[-2].endswith(",") and len(lines[-1].split()) <= 5)


def echoes(reply: str, customer_text: str, sign_off: str = "") -> bool:
    """A reply whose body only says the customer's own words back ("Create a premium account." to "create premium
    account"): one short sentence and no word of substance the customer did not write."""
    sentences = body_sentences(reply, sign_off)
    said = {w for w in _WORDS.findall(" ".join(sentences).lower()) if w not in _STOPWORDS and len(w) > 2}
    asked = set(_WORDS.findall(customer_text.lower()))
    return len(sentences) == 1 and bool(said) and said <= asked


# The start of prompt.precedents.HEADING, written out: checks sit below the prompt layer (test_architecture).
_SCAFFOLDING = re.compile(r"^\s*\[\d+\] (?:customer|agent):|similar past tickets \(use what fits", re.MULTILINE)


def leaks_prompt(reply: str) -> bool:
    """A reply that writes out the prompt's own scaffolding (a past ticket's "[1] Customer:" line, the precedents'
    heading) instead of a reply: degenerate, however much of it reads well."""
    return bool(_SCAFFOLDING.search(reply.lower()))


def asks_instead(reply: str, reference: str, sign_off: str = "") -> str | None:
    """The request of a reply that asks the customer for details and answers nothing, where the reference answers
    without asking: every other sentence of its body acknowledges the customer, says it wants to help or puts the
    answer off ("our team will review your request")."""
    if any(_REQUEST.search(s.lower()) for s in body_sentences(reference, sign_off)):
        return None
    requests = _only_requests(reply, sign_off)
    return requests[0] if requests else None


def answers_where_asked(reply: str, reference: str, sign_off: str = "") -> bool:
    """Whether the reference only asks the customer for details and the reply does more than ask (it answers, or
    shows the way): the reference then gives nothing to compare the answer with, however far apart the two read."""
    return bool(_only_requests(reference, sign_off)) and bool(_requests_and_rest(reply, sign_off)[1])


def asks_alike(reply: str, reference: str, sign_off: str = "") -> bool:
    """Whether the reply, like the reference, answers by asking the customer for details and nothing else, and asks
    for something the reference asks for too ("your order or tracking number"): the same answer in other words,
    however far apart the two read."""
    wanted, asked = _only_requests(reference, sign_off), _only_requests(reply, sign_off)
    if not (wanted and asked):
        return False
    return bool(_asked_words(wanted) & _asked_words(asked))


def _only_requests(text: str, sign_off: str) -> list[str]:
    """The request sentences of a body that does nothing but ask (and acknowledge, offer help or put the answer
    off); empty when it also says something else. The items of a list that a request introduces ("please provide the
    following:" then "1. The date of purchase") are what it asks for, so they count as part of the request, and so
    do the questions to the customer that follow one ("could you provide some details? What items do you need to
    ship?")."""
    requests, rest = _requests_and_rest(text, sign_off)
    return requests if not rest else []


def _requests_and_rest(text: str, sign_off: str) -> tuple[list[str], list[str]]:
    """A body's request sentences, and its sentences that neither ask nor only acknowledge, offer help or put the
    answer off (what it says)."""
    requests: list[str] = []
    rest: list[str] = []
    listing = False
    for sentence in (s.lower() for s in body_sentences(text, sign_off)):
        asks_on = bool(requests) and sentence.endswith("?") and bool(_YOU.search(sentence))
        if _REQUEST.search(sentence) or (listing and _LIST_ITEM.match(sentence)) or asks_on:
            requests.append(sentence)
            listing = listing or sentence.endswith(":")
            continue
        listing = False
        if not any(p.search(sentence) for p in (_ACKNOWLEDGE, _WANTS_TO_HELP, _DEFERS, _INTERJECTION)):
            rest.append(sentence)
    return requests, rest


def _asked_words(requests: list[str]) -> set[str]:
    words = {w for s in requests for w in _WORDS.findall(_REQUEST.sub(" ", s))}
    return {w for w in words if len(w) > 3 and w not in _STOPWORDS and w not in _REQUEST_WORDS}


_STOPWORDS = frozenset({
    "about", "after", "again", "also", "anything", "been", "before", "being", "could", "does", "doing", "from",
    "have", "having", "here", "into", "just", "know", "like", "more", "most", "much", "need", "only", "other",
    "over", "please", "some", "such", "than", "that", "their", "them", "then", "there", "these", "they", "this",
    "those", "thanks", "thank", "tell", "through", "very", "want", "what", "when", "where", "which", "while", "will",
    "with", "would", "your", "yours", "you're", "hello", "dear", "help", "hey", "appreciated", "advance", "looking",
    "forward", "hearing", "years", "customer", "love", "gear", "question", "questions", "quick"
})
