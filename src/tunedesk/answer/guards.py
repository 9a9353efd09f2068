"""The guards: small functions over a ticket (and, after generation, the reply) returning a verdict or None.

Two registries by short name, `before` (the customer's message, before generating) and `after` (the model's
reply). Built-ins register exactly as a third party would, with `register_before` / `register_after`; third-party
modules listed under the entry-point group `tunedesk.guardrails` are imported on first lookup. Everything a guard
needs per request is precomputed once in a `GuardKit`, so a guard does no model loading and no regex compiling.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tunedesk.answer.types import Context, GuardVerdict
from tunedesk.answer.vocabulary import SupportVocabulary
from tunedesk.build.targets import frame
from tunedesk.checks.conduct import refuses
from tunedesk.checks.escalation import EscalationMatcher, sentiment
from tunedesk.checks.grounding import Claim, Sources, extract_claims
from tunedesk.checks.marker import readable, strip_marker
from tunedesk.config.guardrails import DEFAULT_HOLDING_REPLIES, GuardrailsConfig
from tunedesk.config.policies import Voice
from tunedesk.errors import ConfigError
from tunedesk.models.embed import Embedder
from tunedesk.plugins import Builtins, Registry
from tunedesk.records import TicketIn
from tunedesk.text.anger import anger_signals, furious
from tunedesk.text.patterns import CaseInsensitive
from tunedesk.text.sentences import clauses

MIN_TOPIC_WORDS = 3
"""Shorter messages ("hi", "ok thanks") say too little to be judged off topic: they pass."""
_WORD = re.compile(r"\w+")
_SHOWN_CHARS = 80


class TopicIndex:
    """Unit-length embeddings of what customers ask this business; one embed and one matrix product a message."""

    def __init__(self, embedder: Embedder, texts: list[str], labels: list[str] | None = None) -> None:
        self.embedder = embedder
        self.size = len(texts)
        self.labels = labels or [""] * len(texts)
        self.matrix = _unit_rows(np.asarray(embedder(texts), dtype=np.float32)) if texts else None

    def nearest(self, text: str) -> float:
        """Cosine similarity of the text to the nearest indexed text (1.0 when nothing is indexed)."""
        if self.matrix is None:
            return 1.0
        return float(np.max(self._similarities(text)))

    def nearest_labels(self, text: str, k: int) -> list[str]:
        """The labels of the k indexed texts most similar to the text, most similar first."""
        if self.matrix is None:
            return []
        order = np.argsort(-self._similarities(text), kind="stable")[:k]
        return [self.labels[i] for i in order]

    def _similarities(self, text: str) -> np.ndarray:
        assert self.matrix is not None
        return self.matrix @ _unit_rows(np.asarray(self.embedder([text]), dtype=np.float32))[0]


PRECEDENT_MAX_HELD = 0.05
"""The fitted precedent share holds at most this share of on-topic training tickets."""
PRECEDENT_MAX_ESCALATED = 0.02
"""The fitted escalated share hands at most this share of the answered training tickets to a person: stricter than
a hold for review, since the customer then waits for a person."""
PRECEDENT_MIN_DECLINED = 10
"""Fewer declined (or escalated) training tickets than this are too few to fit on."""
PRECEDENT_PRIOR_SHARE = 0.4
"""The declined share used while too few training tickets were declined to fit on."""


def fit_declined_share(index: TopicIndex | None, k: int, max_held: float = PRECEDENT_MAX_HELD) -> float:
    """The smallest declined share (a multiple of 1/k) at which at most `max_held` of the on-topic indexed tickets
    would be held, each ticket compared with its k nearest others (leave-one-out): fitted on the training tickets
    alone. The prior when too few tickets were declined to fit on (or there is no index), 1.0 when all were."""
    fitted = fit_label_share(index, k, "refusal", max_held)
    return PRECEDENT_PRIOR_SHARE if fitted is None else fitted


def fit_escalated_share(index: TopicIndex | None, k: int, max_held: float = PRECEDENT_MAX_ESCALATED) -> float | None:
    """The smallest share of escalated nearest tickets at which at most `max_held` of the other indexed tickets
    would be handed to a person (leave-one-out on the training tickets alone); None (the rule is off) when too few
    training tickets were escalated to fit on."""
    return fit_label_share(index, k, "escalation", max_held)


def fit_label_share(index: TopicIndex | None, k: int, label: str, max_held: float) -> float | None:
    """The smallest share (a multiple of 1/k) of a ticket's k nearest others carrying `label` at which at most
    `max_held` of the tickets without it reach that share; None when fewer than PRECEDENT_MIN_DECLINED carry it."""
    if index is None or index.matrix is None:
        return None
    marked = np.asarray(index.labels) == label
    if marked.sum() < PRECEDENT_MIN_DECLINED:
        return None
    if marked.all():
        return 1.0
    similarities = index.matrix @ index.matrix.T
    np.fill_diagonal(similarities, -np.inf)
    k = min(k, len(marked) - 1)
    nearest = np.argpartition(-similarities, k - 1, axis=1)[:, :k]  # the k nearest, in any order
    shares = marked[nearest].mean(axis=1)[~marked]
    for step in range(1, k + 1):
        if float((shares >= step / k).mean()) <= max_held:
            return step / k
    return 1.0


@dataclass
class GuardKit:
    """What the guards share, built once at server start."""

    config: GuardrailsConfig
    escalation: EscalationMatcher
    injection: CaseInsensitive
    domain: CaseInsensitive
    voice: Voice
    topics: TopicIndex | None
    """None when the off_topic guard is switched off or has nothing to compare with."""
    mask: Callable[[str], str]
    """PII masking with the workspace's redaction rules, for anything quoted from the customer in a detail."""
    mask_thread: Callable[[list[str]], list[str]] | None = None
    """The same rules over a whole conversation at once (a name found in one message is masked in all); None:
    each text is masked on its own."""
    precedents: TopicIndex | None = None
    """The training customers' turns labelled with the kind of reply each got (answer, refusal, ...); None when the
    precedent guard is switched off or there is no training file."""
    precedent_share: float = 1.0
    """The declined share at which the precedent guard holds an answer (configured, or fitted by
    fit_declined_share)."""
    escalated_share: float | None = None
    """The escalated share at which the precedent guard hands an answer to a person (configured, or fitted by
    fit_escalated_share); None: that rule is off."""
    vocabulary: SupportVocabulary | None = None
    """The content words of the policies, KB and training customers' messages; None when off_topic is off."""
    intents: tuple[tuple[str, CaseInsensitive], ...] = ()
    """serve.guardrails.off_topic_intents, compiled."""
    handover: CaseInsensitive | None = None
    """serve.guardrails.handover_patterns, compiled (None: a hand-over counts only with the marker)."""
    brand: str = ""
    reasons: frozenset[str] = frozenset()
    """The reason codes this workspace hands over for (handover_reasons); empty: every model marker is trusted."""


@dataclass
class Draft:
    """A generated reply as the after-guards see it."""

    text: str
    context: Context
    confidence: float | None


BeforeGuard = Callable[[TicketIn, GuardKit], GuardVerdict | None]
AfterGuard = Callable[[TicketIn, Draft, GuardKit], GuardVerdict | None]

_PLUGINS = Builtins("tunedesk.answer", (), group="tunedesk.guardrails")
BEFORE: Registry[BeforeGuard] = Registry("guard", "serve.guardrails.before", _PLUGINS)
AFTER: Registry[AfterGuard] = Registry("guard", "serve.guardrails.after", _PLUGINS)
register_before, register_after = BEFORE.register, AFTER.register


def configured_guards(before: list[str], after: list[str]) -> tuple[list[BeforeGuard], list[AfterGuard]]:
    """The guards `serve.guardrails.before` and `.after` name, in order, or one ConfigError naming every unknown
    guard under its key."""
    problems = []
    for registry, names in ((BEFORE, before), (AFTER, after)):
        unknown = [n for n in names if n not in registry.names()]
        if unknown:
            problems.append(f"{registry.key}: unknown guard {', '.join(map(repr, unknown))}; known guards: "
                            f"{', '.join(registry.names())}")
    if problems:
        raise ConfigError("serve.guardrails", problems)
    return [BEFORE.get(n) for n in before], [AFTER.get(n) for n in after]


@register_before("escalation_rules")
def escalation_rules(ticket: TicketIn, kit: GuardKit) -> GuardVerdict | None:
    """The workspace's escalation rules (the same as clean's) on everything the customer wrote."""
    hit = kit.escalation.match_rules(ticket.customer_text)
    if hit is None:
        return None
    return GuardVerdict("escalation_rules", "escalate", hit.rule, f"matched {_quote(kit.mask(hit.evidence))}")


@register_before("sentiment")
def negative_sentiment(ticket: TicketIn, kit: GuardKit) -> GuardVerdict | None:
    """A furious latest message (negative with a sign of anger, or very negative) goes to a person, with the
    holding reply for negative_sentiment meanwhile."""
    threshold, calm = kit.config.sentiment_threshold, kit.config.sentiment_calm_threshold
    text = ticket.last_customer_text
    score = sentiment(text, threshold)
    if not furious(score, text, threshold, calm):
        return None
    signals = ", ".join(anger_signals(text)) or "none"
    return GuardVerdict("sentiment", "escalate", "negative_sentiment", f"sentiment {score:.2f} < {threshold}; "
                        f"signs of anger: {signals}")


def holding_reply(reasons: list[str], kit: GuardKit) -> str:
    """The workspace's holding reply for the first escalation reason that has one (else `default`), between the
    voice's greeting and sign-off: a template, never model text."""
    templates = kit.config.holding_replies
    reason = next((r for r in reasons if r in templates), "default")
    template = templates.get(reason) or DEFAULT_HOLDING_REPLIES["default"]
    return frame(kit.voice, None, template.format(brand=kit.brand), sign_off=True)


@register_before("prompt_injection")
def prompt_injection(ticket: TicketIn, kit: GuardKit) -> GuardVerdict | None:
    """Attempts to instruct the model instead of asking for help go to a person."""
    found = kit.injection.search(ticket.customer_text)
    if found is None:
        return None
    detail = f"matched {_quote(kit.mask(found.group(0)))}"
    return GuardVerdict("prompt_injection", "escalate", "prompt_injection", detail)


@register_before("off_topic")
def off_topic(ticket: TicketIn, kit: GuardKit) -> GuardVerdict | None:
    """A request no support team answers (the weather, a poem, homework, ...) that shares little of the business's
    wording, or a message unlike anything customers ask here with no word of the business in it, gets the
    refusal."""
    text = ticket.last_customer_text
    if len(_WORD.findall(text)) < MIN_TOPIC_WORDS:
        return None
    share = kit.vocabulary.share(text)[0] if kit.vocabulary is not None else 1.0
    intent, rest = _off_topic_intent(text, kit)
    if intent is not None:
        # What the message says besides the request decides: "a joke" alone is off topic, a joke card that came
        # with a chipped mug is not. The request's own words are no evidence either way.
        rest_share, words = kit.vocabulary.share(rest) if kit.vocabulary is not None else (1.0, 1)
        rest_share = rest_share if words else 0.0
        if rest_share >= kit.config.off_topic_intent_share:
            return None
        return GuardVerdict("off_topic", "refuse", "off_topic", f"asks for {intent}; support words besides it "
                            f"{rest_share:.2f} < {kit.config.off_topic_intent_share}")
    if kit.topics is None or kit.domain.search(text) or share >= kit.config.off_topic_share:
        return None
    score = kit.topics.nearest(text)
    threshold = kit.config.off_topic_similarity
    if score >= threshold:
        return None
    return GuardVerdict("off_topic", "refuse", "off_topic", f"nearest similarity {score:.2f} < {threshold}; support "
                        f"words {share:.2f} < {kit.config.off_topic_share}")


def _off_topic_intent(text: str, kit: GuardKit) -> tuple[str | None, str]:
    """The first off-topic request the text makes, by name, and the text without it."""
    lowered = text.lower()
    for name, pattern in kit.intents:
        found = pattern.search(text, lowered)
        if found is not None:
            return name, lowered[: found.start()] + " " + lowered[found.end():]
    return None, text


@register_after("model_escalated")
def model_escalated(ticket: TicketIn, draft: Draft, kit: GuardKit) -> GuardVerdict | None:
    """The model's own escalation marker hands the ticket to a person, with the model's reason; so does a reply that
    tells the customer a person takes over without the marker (reason handover), so the promise is kept. A marker
    whose reason is garbled or none this workspace hands over for (kit.reasons), after a reply that answers and
    promises no person, is the model contradicting itself: a person checks the draft (review, unclear_handover),
    the marker stripped, instead of the customer getting a holding reply for an answered question."""
    body, reason = strip_marker(draft.text)
    marked = "the reply carries the escalation marker"
    if reason is not None and _known_reason(draft.text, reason, kit):
        return GuardVerdict("model_escalated", "escalate", reason, marked)
    promise = promised_handover(body, kit.handover)
    if promise is not None and reason is not None:
        return GuardVerdict("model_escalated", "escalate", reason, marked)
    if promise is not None:
        return GuardVerdict("model_escalated", "escalate", "handover",
                            f"the reply says a person takes over ({_quote(promise)}) but carries no escalation marker")
    if reason is None:
        return None
    shown = reason if readable(draft.text) else "unreadable"
    return GuardVerdict("model_escalated", "review", "unclear_handover",
                        f"the marker's reason ({shown}) is none this workspace hands over for, and the reply answers "
                        "without handing over")


def _known_reason(text: str, reason: str, kit: GuardKit) -> bool:
    """A readable marker with a reason the workspace hands over for; every marker when the kit names none."""
    return not kit.reasons or (readable(text) and reason in kit.reasons)


_CONDITIONAL = re.compile(r"\b(?:if|once|unless|when you|after you)\b", re.IGNORECASE)


def promised_handover(text: str, patterns: CaseInsensitive | None) -> str | None:
    """The first sentence of the reply that tells the customer a person takes over, unless it is conditional."""
    if patterns is None:
        return None
    for sentence in clauses(text):
        found = patterns.search(sentence)
        if found and not _CONDITIONAL.search(sentence):
            return found.group(0)
    return None


@register_after("grounding")
def grounding(ticket: TicketIn, draft: Draft, kit: GuardKit) -> GuardVerdict | None:
    """Order numbers, amounts, dates, links, contacts and product names must come from what the model was given."""
    reply = strip_marker(draft.text)[0]
    kinds = set(kit.config.grounding_kinds)
    # The system prompt and KB passages repeat across tickets: each is indexed once. The thread is new every time,
    # so it is indexed afresh and kept out of the cache.
    thread = [m.get("content") or "" for m in ticket.messages]
    own = set(thread)
    sources = [*(_indexed(t) for t in draft.context.texts if t and t not in own), Sources(thread)]
    claims = {(c.kind, c.key): c for c in extract_claims(reply) if c.kind in kinds}
    found = [c for c in claims.values() if not any(source.grounds(c) for source in sources)]
    if not found:
        return None
    detail = "not in the context: " + "; ".join(_shown(c) for c in found)
    return GuardVerdict("grounding", kit.config.grounding_action, "ungrounded_fact", detail,
                        confidence_penalty=kit.config.grounding_penalty)


@register_after("precedent")
def precedent(ticket: TicketIn, draft: Draft, kit: GuardKit) -> GuardVerdict | None:
    """A reply that goes against how the most similar past tickets were handled: answering what many of them
    declined as off topic, or declining what none of them did, is held for a person; answering what most of them
    handed to a person goes to a person (like_escalated_tickets)."""
    text = ticket.last_customer_text
    if kit.precedents is None or len(_WORD.findall(text)) < MIN_TOPIC_WORDS:
        return None
    near = kit.precedents.nearest_labels(text, kit.config.precedent_k)
    body, marker = strip_marker(draft.text)
    declined = sum(label == "refusal" for label in near)
    escalated = sum(label == "escalation" for label in near)
    declines = refuses(body, kit.voice.refusal)
    answers = not (marker or declines)
    if near and answers and kit.escalated_share is not None and escalated >= kit.escalated_share * len(near):
        return GuardVerdict("precedent", "escalate", "like_escalated_tickets",
                            f"{escalated} of the {len(near)} most similar past tickets went to a person; this answers")
    if near and declined >= kit.precedent_share * len(near) and not declines:
        detail = f"{declined} of the {len(near)} most similar past tickets were declined as off topic; this answers"
    elif declines and near and declined == 0:
        detail = f"none of the {len(near)} most similar past tickets was declined; this reply declines"
    else:
        return None
    return GuardVerdict("precedent", "review", "unlike_precedent", detail)


@register_after("length")
def reply_length(ticket: TicketIn, draft: Draft, kit: GuardKit) -> GuardVerdict | None:
    """A reply too short to help or too long to read is held for a person to look at."""
    size = len(strip_marker(draft.text)[0].strip())
    if size < kit.config.min_reply_chars:
        return GuardVerdict("length", "review", "reply_too_short", f"{size} characters < {kit.config.min_reply_chars}")
    if size > kit.config.max_reply_chars:
        return GuardVerdict("length", "review", "reply_too_long", f"{size} characters > {kit.config.max_reply_chars}")
    return None


@register_after("confidence")
def unknown_confidence(ticket: TicketIn, draft: Draft, kit: GuardKit) -> GuardVerdict | None:
    """A reply whose confidence cannot be measured is never auto-sent (the router judges measured ones)."""
    if draft.confidence is not None:
        return None
    return GuardVerdict("confidence", "review", "low_confidence", "the backend reports no token log-probabilities")


@lru_cache(maxsize=1024)
def _indexed(text: str) -> Sources:
    return Sources([text])


def _shown(claim: Claim) -> str:
    # Emails and phones in a reply are personal data: the kind is enough to act on, the value stays out of logs.
    if claim.kind in ("email", "phone"):
        return f"{claim.kind} <masked>"
    return f"{claim.kind} {_quote(claim.text)}"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…")


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
