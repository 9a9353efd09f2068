"""Judge-free checks a person applies at a glance: a reply that repeats itself, a promise nobody authorised, a
duration or rate no policy states, a product or name the customer never mentioned, a denial of what the best
agent's reply affirms.

Each returns what it found (empty: nothing), so the rubric judge can cap a score and say why, and the server's
guardrails can use the same findings.
"""

from __future__ import annotations

import re
from collections import Counter

from tunedesk.checks.grounding import (
    CAPITALISED,
    INTERFACE_WORDS,
    NOT_NAMES,
    interface_labels,
    without_possessive,
)
from tunedesk.config.policies import Policies
from tunedesk.text.sentences import sentences

_WORD = re.compile(r"[a-z][a-z'’-]*|\d+(?:\.\d+)?")
_STOP = frozenset((
    "a", "an", "the", "to", "of", "and", "or", "in", "on", "at", "for", "with", "your", "you", "we", "i", "it",
    "is", "are", "be", "this", "that", "our", "my", "will", "can", "all", "any", "get", "one", "new", "just"))

_COMMITMENT = re.compile(
    r"\b(?:we(?:'| wi)ll|i(?:'| wi)ll|we(?:'ve| have)|i(?:'ve| have)|we can|i can)\s+(?:also\s+|gladly\s+|happily\s+)?"
    r"(?P<verb>send|sent|ship|email|refund|replace|credit|waive|give|gave|cover|upgrade|issue|reimburse|compensate|"
    r"extend|arrange|add|include|throw in|honou?r)\w*\b[^.!?\n]{0,80}", re.IGNORECASE)
_HANDED_ON = re.compile(
    r"\b(?:them|it) your\b|\byour (?:message|request|ticket|case|details|query|question|complaint|feedback|enquiry|"
    r"inquiry|concern)s?\b|\bto (?:our|the|a)\b[^.!?\n]{0,40}\b(?:team|colleagues?|specialists?|department|manager|"
    r"supervisor)\b", re.IGNORECASE)
"""Sending the customer's own words on to a person: a hand-over, not something promised to the customer."""
_GIVEAWAYS = {
    "free": re.compile(r"\b(?:free of charge|(?<!feel )(?<![\w-])free(?! to\b)|"
                       r"at no (?:extra |additional )?(?:cost|charge)|"
                       r"on (?:us|the house)|complimentary)\b", re.IGNORECASE),
    "refund": re.compile(r"\b(?:full refund|refund (?:you )?in full|money back)\b", re.IGNORECASE),
    "credit": re.compile(r"\b(?:store credit|gift card|voucher)\b", re.IGNORECASE),
    "discount": re.compile(r"\b(?:discount of|\d+\s*% off|percent off)\b", re.IGNORECASE),
}
"""Kinds of giveaway a reply may promise; any wording of the same kind in the sources grounds it."""
_GIVEAWAY_WORDS = frozenset((
    "free", "charge", "cost", "extra", "additional", "us", "house", "complimentary", "full", "refund", "money", "back",
    "store", "credit", "gift", "card", "voucher", "discount", "off", "percent"))
_VERB_GROUPS = {
    "send": "deliver", "sent": "deliver", "ship": "deliver", "email": "deliver", "arrange": "deliver", "add": "deliver",
    "include": "deliver", "throw in": "deliver", "replace": "deliver", "refund": "refund", "reimburse": "refund",
    "credit": "refund", "compensate": "refund", "waive": "waive", "cover": "waive", "give": "give",
    "upgrade": "give", "issue": "give", "gave": "give", "extend": "give", "honour": "give", "honor": "give"}
"""Promises of the same kind: sending a replacement and shipping one are the same promise."""
_ANY_VERB = re.compile(r"(?:" + "|".join(_VERB_GROUPS) + r")\w*$")
"""The promising verb itself is no common subject: "we'll send you a hat" is not grounded by "we send receipts"."""
_GROUP_WORDS = {group: re.compile(r"\b(?:" + "|".join(v for v, g in _VERB_GROUPS.items() if g == group) + r")\w*",
                                  re.IGNORECASE) for group in set(_VERB_GROUPS.values())}

_DURATION = re.compile(r"\b(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|ten|fourteen|thirty|sixty|ninety)"
                       r"(?:[- ](?:business|working|calendar))?[- ](day|week|month|year|hour)s?\b", re.IGNORECASE)
_PERCENT = re.compile(r"\b(\d+(?:\.\d+)?)\s?%")
_WORDS_AS_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10,
                     "fourteen": 14, "thirty": 30, "sixty": 60, "ninety": 90}


def repetition(reply: str, sources: str = "") -> list[str]:
    """Degenerate text: a sentence said twice (or nearly: 80 % of its words again), or a phrase of four words
    three times or more. A phrase the sources use (the customer's message, the reference: the name of the thing
    asked about) may come three times, or as often as the sources say it: "the Kestrel 22L daypack" three times in
    a full answer is how a person writes, six times is a loop."""
    said = [s for s in sentences(reply) if len(_words(s)) >= 5]
    found = []
    for i, first in enumerate(said):
        for second in said[i + 1:]:
            a, b = set(_words(first)), set(_words(second))
            if len(a & b) / len(a | b) >= 0.8:
                found.append(f"says twice: {first[:60]!r}")
                break
    grams, usual = _four_grams(reply), _four_grams(sources)
    found += [f"repeats {' '.join(g)!r} {n} times" for g, n in grams.items()
              if n > max(3 if usual[g] else 2, usual[g]) and set(g) - _STOP]
    return found[:3]


def _four_grams(text: str) -> Counter[tuple[str, ...]]:
    words = _words(text)
    return Counter(tuple(words[i:i + 4]) for i in range(len(words) - 3))


def commitments(reply: str, reference: str, company: str) -> list[str]:
    """Promises the reply makes or acts it claims ("I've sent you the details") — sending, refunding, replacing,
    crediting, giving something free — that neither the reference reply (what the best agent promised this
    customer) nor the company's own texts (policies, KB) make too: a company sentence grounds a promise when it
    makes the same kind of promise about the same thing (a content word in common other than the verb). Sending
    the customer's message on to a team is a hand-over, not a promise."""
    found = []
    for match in _COMMITMENT.finditer(reply):
        group = _VERB_GROUPS.get(match.group("verb").lower(), "give")
        if group == "deliver" and _HANDED_ON.search(match.group(0)):
            continue
        if not _grounded(match.group(0), group, reference, company):
            found.append(match.group(0).strip())
    for kind in _GIVEAWAYS:
        for match in _GIVEAWAYS[kind].finditer(reply):
            sentence = _sentence_of(reply, match.start())
            if not any(sentence in f or f in sentence for f in found) and \
                    not _grounded(sentence, None, reference, company, giveaway=kind):
                found.append(sentence)
    return list(dict.fromkeys(found))[:3]


def _grounded(promise: str, group: str | None, reference: str, company: str, giveaway: str | None = None) -> bool:
    """The reference makes the same kind of promise, or a company sentence does about the same thing."""
    kinds = [giveaway] if giveaway else [k for k, p in _GIVEAWAYS.items() if p.search(promise)]

    def same_kind(text: str) -> bool:
        return (group is None or bool(_GROUP_WORDS[group].search(text))) and all(_GIVEAWAYS[k].search(text)
                                                                                  for k in kinds)

    if same_kind(reference):
        return True
    words = {w for w in _words(promise) if not _ANY_VERB.match(w)} - _STOP - _GIVEAWAY_WORDS
    return any(same_kind(s) and words & set(_words(s)) for s in sentences(company))


def unstated_terms(reply: str, policies: Policies, sources: list[str]) -> list[str]:
    """Durations ("14 days", "2 years") and rates ("20 %") the reply states that neither the policies nor the
    sources state: a policy contradicted in words the fact's patterns do not know, or a term made up."""
    known = " ".join([*sources, *(f.text for f in policies.facts.values()), *policies.sections.values(),
                      *(str(f.value) for f in policies.facts.values())]).lower()
    stated = {_normal(m) for m in _DURATION.finditer(known)} | {m.group(1) for m in _PERCENT.finditer(known)}
    found = [m.group(0) for m in _DURATION.finditer(reply) if _normal(m) not in stated]
    found += [m.group(0) for m in _PERCENT.finditer(reply) if m.group(1) not in stated]
    return list(dict.fromkeys(found))[:3]


def _normal(match: re.Match[str]) -> tuple[float, str]:
    amount = match.group(1).lower()
    return float(_WORDS_AS_NUMBERS.get(amount) or amount), match.group(2).lower()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _sentence_of(text: str, at: int) -> str:
    start = max(text.rfind(".", 0, at), text.rfind("\n", 0, at)) + 1
    end = min((i for i in (text.find(".", at), text.find("\n", at)) if i != -1), default=len(text))
    return text[start:end].strip()


_NAME_WORD = re.compile(r"[a-z][\w'’-]*")


def proper_names(text: str) -> list[str]:
    """Capitalised words inside a sentence (not opening one or a line, nor in an interface label, nor a word shop
    interfaces are labelled with: "Visit our website or Log in"): the names of products, places, people."""
    names, labels = [], interface_labels(text)
    for match in CAPITALISED.finditer(text):
        word = without_possessive(match.group(0))
        before = text[:match.start()].rstrip(" \t\"'(“‘")
        if not before or before[-1] in ".!?:;>\n" or word in NOT_NAMES or word.isupper():
            continue
        if word.lower() in INTERFACE_WORDS:
            continue
        if any(match.start() in label for label in labels):  # the page or button to look for
            continue
        names.append(word)
    return list(dict.fromkeys(names))


def names_elsewhere(reply: str, customer: str, reference: str, company: str, kb: str) -> list[str]:
    """Names the reply uses that neither the customer, the reference nor the company's policies mention: a reply
    about the Northpeak trail runners to a customer who wrote about the Talus boots, an invented product. A name
    from the knowledge base is fine unless the reply also leaves out every name the customer used (it is then
    about something else)."""
    given = _name_words(customer) | _name_words(reference) | _name_words(company)
    foreign = [n for n in proper_names(reply) if n.lower() not in given]
    if not foreign:
        return []
    asked = [n for n in proper_names(customer) if n.lower() not in _name_words(company)]
    if asked and not any(a.lower() in _name_words(reply) for a in asked):
        return [f"{name} (the customer wrote about {asked[0]})" for name in foreign][:3]
    documented = _name_words(kb)
    return [name for name in foreign if name.lower() not in documented][:3]


def _name_words(text: str) -> set[str]:
    return set(_NAME_WORD.findall(text.lower()))


_DENIAL = re.compile(r"\b(?:isn't|is not|aren't|are not|wasn't|weren't|not|never|no longer|doesn't|don't)\s+"
                     r"(?:be\s+|been\s+|very\s+|really\s+)?([a-z]{5,})", re.I)
_NEGATIONS = frozenset({"not", "no", "never", "don't", "doesn't", "isn't", "aren't", "can't", "cannot", "won't",
                        "non", "without", "nothing"})
_FUNCTION_WORDS = frozenset({"there", "where", "these", "those", "about", "which", "would", "could", "should",
                             "their", "other", "quite", "always", "sure", "worry", "hesitate", "think"})


def denials(reply: str, reference: str) -> list[str]:
    """What the reply denies that the reference affirms: "the Summit 40L pack isn't adjustable" where the best
    agent wrote "an adjustable harness and hipbelt". A word the reference denies too is not counted: "codes don't
    apply to sale items" agrees with a reference that says so, though it also says "I'll apply it"."""
    denied_too = {m.group(1).lower() for m in _DENIAL.finditer(reference.replace("’", "'"))}
    affirmed_only = _affirmed_words(reference) - denied_too - _FUNCTION_WORDS
    found = [m.group(0) for m in _DENIAL.finditer(reply.replace("’", "'")) if m.group(1).lower() in affirmed_only]
    return list(dict.fromkeys(found))[:3]


def _affirmed_words(text: str) -> set[str]:
    """Words of `text` with no negation among the three words before them."""
    tokens = re.findall(r"[a-z']+", text.lower().replace("’", "'"))
    return {t for i, t in enumerate(tokens) if not _NEGATIONS & set(tokens[max(0, i - 3):i])}
