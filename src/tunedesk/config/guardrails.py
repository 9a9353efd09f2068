"""tunedesk.yaml section `serve.guardrails`: the checks around generation, their order and thresholds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from tunedesk.config.base import Section, check_regexes

BEFORE_GUARDS = ("escalation_rules", "sentiment", "prompt_injection", "off_topic")
"""The built-in guards on the customer's message, in their default order."""
AFTER_GUARDS = ("model_escalated", "grounding", "precedent", "length", "confidence")
"""The built-in guards on the model's reply, in their default order."""
GroundedKind = Literal["order", "money", "date", "url", "email", "phone", "product", "placeholder"]
GROUNDED_KINDS: tuple[GroundedKind, ...] = ("order", "money", "date", "url", "email", "phone", "product", "placeholder")

DEFAULT_INJECTION_PATTERNS = [
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|previous|prior|above|earlier|preceding"
    r"|original|system|these|those)\s+){1,4}(?:instructions?|prompts?|rules|guidelines|directions)\b",
    r"\byou are now (?:dan|no longer|unrestricted|jailbroken|in (?:developer|dan|god) mode|(?:a|an) (?:new |different "
    r"|helpful |unrestricted |evil )?(?:ai|assistant|chatbot|bot|language model|llm|character|persona|pirate)\b)",
    r"\bfrom now on,? you (?:are|will be|(?:must|will|should) (?:act|respond|answer))\b",
    r"\b(?:pretend|act) (?:to be|as if you are|as an?) (?:ai|assistant|chatbot|language model|developer|admin)",
    r"\bsystem prompt\b",
    r"\b(?:reveal|show|print|repeat|output|tell me|what are|leak)\b.{0,20}\byour (?:initial |hidden |secret "
    r"|original |system )?(?:instructions|prompt)\b",
    r"\b(?:jailbreak|developer mode|dan mode)\b",
    r"<\|?/?(?:im_start|im_end|system|assistant|endoftext|eot_id|start_header_id)\|?>",
    r"\[/?(?:inst|sys)\]|<</?sys>>",
    r"(?m:^[ \t]*(?:#{1,3}[ \t]*)?(?:system|assistant)[ \t]*:[ \t]*"
    r"(?:you |ignore|disregard|new instructions|from now))",
]
"""Phrases of prompt-injection attempts, matched case-insensitively in everything the customer wrote."""

DEFAULT_DOMAIN_KEYWORDS = [
    "order", "refund", "return", "returnable", "exchange", "shipping", "ship", "shipment", "delivery", "deliver",
    "arrive", "package", "parcel", "tracking", "track", "account", "password", "login", "log in", "sign in",
    "payment", "pay", "paid", "charge", "invoice", "receipt", "discount", "coupon", "promo", "price", "sale",
    "clearance", "size", "sizing", "fit", "measurement", "colour", "color", "stock", "restock", "available",
    "availability", "warranty", "guarantee", "covered", "repair", "replace", "replacement", "damage", "broken",
    "defective", "faulty", "missing", "cancel", "cancelled", "subscription", "membership", "newsletter",
    "unsubscribe", "product", "item", "purchase", "bought", "checkout", "cart", "gift card", "store", "opening hours",
]
"""Words (matched as whole words, plurals and -ed/-ing forms included) that keep a message on topic."""


class GuardrailsConfig(Section):
    """The checks before and after generation: which run, in what order, and their thresholds."""

    before: list[str] = Field(default_factory=lambda: list(BEFORE_GUARDS))
    """Guards on the customer's message before generating, run in this order (escalation_rules, sentiment,
    prompt_injection, off_topic); leave a name out to switch that guard off."""
    after: list[str] = Field(default_factory=lambda: list(AFTER_GUARDS))
    """Guards on the model's reply, run in this order (model_escalated, grounding, precedent, length, confidence);
    leave a name out to switch that guard off."""
    sentiment_threshold: float = Field(-0.6, ge=-1, le=0)
    """The customer's latest message with VADER compound sentiment below this escalates as negative_sentiment, with
    an empathetic holding reply drafted in the brand's voice."""
    injection_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_INJECTION_PATTERNS))
    """Regular expressions (case-insensitive) of prompt-injection attempts in the customer's text; a match
    escalates as prompt_injection."""
    off_topic_similarity: float = Field(0.3, ge=-1, le=1)
    """A message whose MiniLM cosine similarity to the nearest training message or KB article is below this, and
    which has no domain keyword, is refused as off_topic."""
    domain_keywords: list[str] = Field(default_factory=lambda: list(DEFAULT_DOMAIN_KEYWORDS))
    """Words that keep a message on topic whatever its similarity (whole words, case-insensitive); the brand name
    from policies.yaml is added."""
    precedent_k: int = Field(5, ge=1, le=50)
    """The precedent guard compares a reply with how the k most similar training tickets were handled: a reply that
    answers what many of them declined as off topic, or declines what none of them did, is held for review
    (unlike_precedent) — a canned reply fitted to the wrong question is confident, so confidence alone lets it
    through."""
    precedent_declined_share: float | None = Field(None, gt=0, le=1)
    """A reply that answers is held when at least this share of the k most similar training tickets were
    declined as off topic. Empty (the default): fitted on the training tickets when the guardrails are built,
    each compared with its k nearest others (leave-one-out), as the smallest share that holds at most 5 % of the
    on-topic ones (0.4 while fewer than 10 training tickets were declined); the held-out set is never read."""
    off_topic_corpus_limit: int = Field(2000, ge=1)
    """At most this many distinct training customer messages (spread evenly over the file) are embedded at server
    start, plus every KB article."""
    min_reply_chars: int = Field(20, ge=0)
    """A reply shorter than this (escalation marker left out) is held for review as reply_too_short."""
    max_reply_chars: int = Field(2000, ge=1)
    """A reply longer than this is held for review as reply_too_long."""
    grounding_action: Literal["review", "escalate"] = "review"
    """What an ungrounded fact in a reply asks for: review (drafted, never auto-sent) or escalate (a human
    takes the ticket)."""
    grounding_kinds: list[GroundedKind] = Field(default_factory=lambda: list(GROUNDED_KINDS))
    """Which facts in a reply must appear in the context given to the model: order numbers, amounts, dates, URLs,
    emails, phones, product names, and redaction placeholders (<ORDER_1>) the model copied from training data."""
    grounding_penalty: float = Field(0.3, ge=0, le=1)
    """Subtracted from the reply's confidence (0–1) when it states an ungrounded fact."""

    @field_validator("before", "after")
    @classmethod
    def _listed_once(cls, names: list[str]) -> list[str]:
        """Each guard at most once; whether a name is a known guard is checked where the guardrails are built."""
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"guard {', '.join(map(repr, repeated))} listed more than once")
        return names

    @field_validator("injection_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        return check_regexes(patterns)

    @model_validator(mode="after")
    def _lengths_ordered(self) -> GuardrailsConfig:
        if self.min_reply_chars >= self.max_reply_chars:
            raise ValueError(f"min_reply_chars ({self.min_reply_chars}) must be below max_reply_chars "
                             f"({self.max_reply_chars})")
        return self
