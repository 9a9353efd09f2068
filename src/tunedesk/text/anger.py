"""Signs of anger beside a negative sentiment score: what tells a furious customer from an upset but calm one.

VADER scores "It arrived in the wrong colour." at -0.48 and "Unfortunately it arrived in the wrong colour." at
-0.67: a negative score alone marks every complaint. A furious message also shouts, swears, threatens, repeats
itself ("third time"), piles up exclamation marks or calls the service unacceptable; `furious` asks for one of these
unless the score is very low.
"""

from __future__ import annotations

import re

_SIGNALS = {
    "outrage": re.compile(
        r"\b(?:unacceptable|ridiculous|outrageous|disgrac\w*|disgust\w*|appall\w*|pathetic|useless|incompetent|"
        r"furious|livid|fuming|hopeless|shameful|scam|joke of a|worst|fed up|sick (?:and tired|of)|"
        r"beyond (?:frustrated|angry|annoyed)|so angry|hate (?:you|this|your))\b", re.IGNORECASE),
    "profanity": re.compile(r"\b(?:f+u+c+k\w*|shit\w*|bullshit|crap\w*|damn\w*|hell|bloody|wtf|ffs|bastards?|"
                            r"piss\w*)\b", re.IGNORECASE),
    "threat": re.compile(
        r"\b(?:report(?:ing)? you|reviews? everywhere|(?:post|write|tell)\w* (?:about )?(?:it|this|you)? ?everywhere|"
        r"social media|never (?:buy\w*|shop\w*|order\w*)(?: \w+)? (?:here|from you|with you) again|never again|"
        r"leav\w+ a (?:bad |terrible )?review|tell everyone)\b", re.IGNORECASE),
    "repeated": re.compile(
        r"\b(?:(?:second|third|fourth|fifth|sixth|\d+(?:nd|rd|th)) time|(?:three|four|five|six|several|multiple|"
        r"many|\d+) times|again and again|how many times|still (?:no|nothing|waiting))\b", re.IGNORECASE),
    "exclamation": re.compile(r"[!?]*![!?]*!|\?!|!\?"),
}
_SHOUTED = re.compile(r"\b[A-Z]{3,}\b")
_ACRONYMS = frozenset({"USA", "UPS", "DHL", "USPS", "PDF", "FAQ", "ASAP", "GDPR", "SKU", "LED", "XXL", "URL", "FYI",
                       "DPD", "EMS", "TNT", "VAT", "RMA", "GPS", "CEO", "PIN", "OTP"})


def anger_signals(text: str) -> list[str]:
    """The signs of anger in a text, by name: outrage words, profanity, threats, repetition, repeated
    exclamation, shouting (two or more words in capitals)."""
    found = [name for name, pattern in _SIGNALS.items() if pattern.search(text)]
    if sum(w not in _ACRONYMS for w in _SHOUTED.findall(text)) >= 2:
        found.append("shouting")
    return found


def furious(score: float, text: str, threshold: float, calm_threshold: float) -> bool:
    """A furious customer: sentiment below `threshold` with a sign of anger, or below `calm_threshold` without."""
    if score >= threshold:
        return False
    return score < calm_threshold or bool(anger_signals(text))
