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

DEFAULT_HANDOVER_PATTERNS = [
    r"\b(?:pass(?:ed|ing)|hand(?:ed|ing)(?: (?:this|it|you))? over|forward(?:ed|ing)|escalat(?:ed|ing)|shared|"
    r"referr(?:ed|ing))\b[^.;\n]{0,60}\b(?:to|with)\b[^.;\n]{0,40}\b(?:team|colleagues?|specialists?|agents?|person|"
    r"manager|supervisor|department)\b",
    r"\b(?:a member of|someone (?:from|on)|one of) (?:our|the)\b[^.;\n]{0,30}\bteam\b[^.;\n]{0,30}"
    r"(?:\bwill\b|'ll\b|\bis going to\b)",
]
"""A reply sentence telling the customer that a person takes over. On the example's training replies they match
137 of 182 hand-over targets and none of 565 others (answers, refusals, "cannot see live data"); on Bitext's, 224
of 317 and none of 3,277."""

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
    r"(?m:^[ \t]*(?:#{1,3}[ \t]*)?(?:system|assistant|developer|admin)[ \t]*:[ \t]*(?:you |ignore|disregard|new "
    r"instructions|from now|grant|approve|issue|give|send|refund|print|reveal|output|all |the (?:assistant|bot|ai|"
    r"model|user|customer)|(?:sure|of course|certainly|absolutely|ok|okay)\b|i(?:'ve| have| will|'ll) (?:approved|"
    r"issued|processed|refunded|credited|sent|approve|issue|refund|send)))",
    # role markers a customer never writes: "[system]", "<system>", "### System" on a line of its own
    r"[\[<]\s*/?\s*(?:system|assistant|sys|developer|admin)\s*[\]>]",
    r"(?m:^[ \t]*#{1,3}[ \t]*(?:system|assistant|instructions?)[ \t]*$)",
    r"\bsystem[ \t]+(?:override|instructions?|directive|notice to)\b",
    # claims that the business's policy or rules changed, or orders from "management" to the bot
    r"\b(?:polic(?:y|ies)|rules?|terms|window|warranty|guarantee)\s+(?:has|have|was|were|is|are)\s+(?:now\s+)?"
    r"(?:been\s+)?(?:changed|updated|extended|amended|modified|revised|increased|raised|replaced)\b",
    r"\b(?:polic(?:y|ies)|rules?|terms)\s+(?:now|as of today)\s+(?:says?|states?|allows?|reads?|is|are|covers?)\b",
    r"\b(?:polic(?:y|ies)|window|warranty)\s+is\s+now\s+(?:\d+|one|two|three|six|ten|twelve|unlimited|free|lifetime)",
    r"\bnew (?:rules?|polic(?:y|ies)|instructions?|directives?|orders?) (?:from|by|issued by) (?:the )?(?:management|"
    r"head office|headquarters|hq|(?:your |the )?(?:boss|manager|ceo|owner|company|developers?|admin))\b",
    r"\b(?:management|head office|headquarters|the company|your company|your boss|your manager)\s+(?:has\s+)?"
    r"(?:changed|updated|extended|amended|decided|approved|authori[sz]ed|says?|wants?)\b.{0,40}\b(?:polic(?:y|ies)|"
    r"rules?|refunds?|returns?|discounts?|warranty|vouchers?)",
    r"\byou(?: are|'re) now (?:allowed|authori[sz]ed|permitted|able|required|free) to\b",
    r"\b(?:note|message|instructions?|memo) (?:to|for) (?:the )?(?:bot|ai|assistant|model|chatbot|llm|gpt)\b",
    # role-play: "pretend you are", "act as the manager", "roleplay as", "from this moment you're"
    r"\b(?:pretend|imagine|suppose)\s+(?:that\s+)?you(?:'re| are| were)\b",
    r"\brole-?\s?play(?:ing)?\s+(?:as|that|with me)\b|\blet'?s (?:play a game|role-?\s?play)\b",
    r"\b(?:act|behave|respond|answer|speak)\s+(?:as|like)\s+(?:if you (?:are|were)\s+)?(?:an?|the|my|our|your)\s+"
    r"(?:\w+\s+)?(?:manager|supervisor|employee|staff member|admin|administrator|developer|ceo|owner|boss|"
    r"human agent|unrestricted|unfiltered)",
    r"\bfrom (?:this moment|this point|here)(?: on)?,? you(?:'re| are| will)\b",
    r"\b(?:unfiltered|uncensored|unrestricted|jailbroken)\s+(?:ai|assistant|bot|model|mode|version|chatbot)\b",
    r"\b(?:ignore|disregard|forget)\s+(?:everything|all|what(?:ever)?)\s+(?:that\s+)?(?:you(?:'ve| have| were| "
    r"had)?\s+)?(?:been\s+)?(?:told|instructed|programmed|trained|given)\b",
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|previous|prior|above|earlier|"
    r"preceding|original|these|those)\s+){1,3}(?:guidance|directives|programming|restrictions|constraints|"
    r"safeguards|guardrails)\b",
    # instructions to the model written inside a quotation or a pasted block
    r"\b(?:assistant|chatbot|bot|ai|model)\s*[,:]\s*(?:please\s+)?(?:issue|give|send|refund|approve|grant|ship|"
    r"apply|print|reveal|ignore|disregard|output|add|credit)\b",
    r"\byou (?:must|shall|are to|will) (?:now |always |immediately )?(?:reveal|ignore|disregard|obey|print|output|"
    r"issue|grant|approve|comply)\b",
    r"\b(?:reveal|leak|dump|print|list|show me|tell me|give me)\b.{0,30}\b(?:internal|hidden|secret|confidential|"
    r"staff|employee)\s+(?:discount|code|table|prompt|instructions|notes|data|list|policy)",
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

DEFAULT_OFF_TOPIC_INTENTS = {
    "weather": r"\b(?:what(?:'s| is| will)? the (?:weather|forecast|temperature)|(?:weather|forecast) (?:for|in|like)|"
               r"(?:will|is) it (?:going to |gonna )?(?:rain|snow|be (?:sunny|cold|hot|warm|windy|icy|wet|dry))|how "
               r"(?:cold|hot|warm|windy|wet) (?:will|is) it)(?: (?:be|like|for|on|this|next|tomorrow|today|tonight|"
               r"week(?:end)?|morning|afternoon|evening|night|month))*\b",
    "creative_writing": r"\b(?:write|compose|make up|create|generate)(?: me| us)?(?: an?| the| some)?(?: \w+)? (?:poem|"
                        r"story|song|lyrics|essay|haiku|limerick|rap|sonnet|novel|speech)s?\b|\b(?:poem|haiku|"
                        r"limerick|sonnet)s? (?:about|for|on)\b",
    "joke": r"\b(?:tell|know|hear|got)\b.{0,20}\bjokes?\b|\bsay something funny\b|\bmake me laugh\b|\bjokes? about\b",
    "homework": r"\b(?:homework|coursework)\b|\b(?:solve|simplify|integrate|differentiate)\b.{0,30}[=\d]|"
                r"\b(?:derivative|integral|equation)s? of\b|\bfor (?:my|a) (?:class|school|exam|test|essay|assignment|"
                r"teacher)\b",
    "trivia": r"\bwhat(?:'s| is) the capital of\b|\bwho (?:won|invented|painted|wrote|discovered|is the (?:president|"
              r"prime minister|king|queen))\b|\bhow (?:tall|old|far|high|deep) is (?:the |mount )?\w+|\bhow many "
              r"(?:moons|planets|countries|people live)\b|\bwhat year (?:did|was)\b",
    "coding": r"\b(?:python|javascript|typescript|java|c\+\+|sql|react|css|regex|programming|algorithm|compiler|"
              r"(?:write|fix|debug) (?:my |the |a |some )?(?:code|function|script|program))\b|\bcode (?:to|that) \w+",
    "cooking": r"\b(?:recipes?|what (?:should|can|could) i (?:cook|make) for (?:dinner|lunch|breakfast))\b",
    "translation": r"\btranslat(?:e|ion)\b.{0,60}\b(?:into|to|in) [a-z]+\b",
    "recommendation": r"\brecommend(?: me)?(?: a| some)?(?: good)? (?:movies?|films?|books?|shows?|series|songs?|"
                      r"restaurants?|games?)\b",
    "finance": r"\b(?:stock market|crypto(?:currency)?|bitcoin|index funds?|invest(?:ing|ment)? (?:in|advice))\b",
}
"""Requests no support team answers, by name: a message that matches one and shares little of its wording with
the business's support texts is refused as off_topic."""

DEFAULT_HOLDING_REPLIES = {
    "default": "Thank you for your message. A member of our team will pick this up personally and get back to you "
               "as soon as possible.",
    "negative_sentiment": "I'm really sorry about how this has gone, and I understand why you're upset. A member of "
                          "our team will pick this up personally and get back to you as soon as possible.",
    "prompt_injection": "Thank you for your message. A member of our team will read it and get back to you as soon "
                        "as possible.",
    "refund_exception": "Thanks for explaining what happened. A member of our team will look at your request "
                        "personally and get back to you as soon as possible.",
    "chargeback": "Thank you for telling us. A member of our team will look into this personally and get back to you "
                  "as soon as possible.",
    "legal_threat": "I'm sorry to hear how strongly you feel. A member of our team will look into this personally "
                    "and get back to you as soon as possible.",
    "gdpr_deletion": "Thank you for your request; we take your privacy seriously. A member of our team will handle "
                     "it personally and get back to you as soon as possible.",
    "model_unavailable": "Thank you for your message. A member of our team will get back to you as soon as "
                         "possible.",
}
"""What a customer is told while a person takes over, by escalation reason; `default` for any other reason."""


class GuardrailsConfig(Section):
    """The checks before and after generation: which run, in what order, and their thresholds."""

    before: list[str] = Field(default_factory=lambda: list(BEFORE_GUARDS))
    """Guards on the customer's message before generating, run in this order (escalation_rules, sentiment,
    prompt_injection, off_topic); leave a name out to switch that guard off."""
    after: list[str] = Field(default_factory=lambda: list(AFTER_GUARDS))
    """Guards on the model's reply, run in this order (model_escalated, grounding, precedent, length, confidence);
    leave a name out to switch that guard off."""
    sentiment_threshold: float = Field(-0.05, ge=-1, le=0)
    """The customer's latest message with VADER compound sentiment below this and a sign of anger (shouting,
    profanity, threats, repetition such as "third time", "!!", "unacceptable") escalates as negative_sentiment,
    with the holding reply for negative_sentiment."""
    sentiment_calm_threshold: float = Field(-0.8, ge=-1, le=0)
    """Below this sentiment the latest message escalates as negative_sentiment without a sign of anger too ("It
    arrived in the wrong colour." scores -0.48 and is no furious customer). Both thresholds were fitted on labelled
    messages (bench/guardrail_probes.py)."""
    handover_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_HANDOVER_PATTERNS))
    """Regular expressions (case-insensitive) of a reply sentence that tells the customer a person takes over ("I've
    passed your message to our billing team"). A reply with one and no escalation marker is handed over all the same
    (model_escalated, reason handover): a promised hand-over always happens. A conditional sentence ("if you reply
    with your order number, a member of our team will check it") is no promise."""
    injection_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_INJECTION_PATTERNS))
    """Regular expressions (case-insensitive) of prompt-injection attempts in the customer's text; a match
    escalates as prompt_injection."""
    off_topic_similarity: float = Field(0.3, ge=-1, le=1)
    """A message whose MiniLM cosine similarity to the nearest training message or KB article is below this, and
    which has no domain keyword, is refused as off_topic."""
    domain_keywords: list[str] = Field(default_factory=lambda: list(DEFAULT_DOMAIN_KEYWORDS))
    """Words that keep a message on topic whatever its similarity (whole words, case-insensitive); the brand name
    from policies.yaml is added."""
    off_topic_intents: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_OFF_TOPIC_INTENTS))
    """Requests no support team answers (weather, poems, jokes, homework, trivia, coding, ...), by name: regular
    expressions, case-insensitive. A message matching one is refused as off_topic when less than
    off_topic_intent_share of its content words are in the support vocabulary (policies, KB, training customers'
    messages, domain keywords)."""
    off_topic_intent_share: float = Field(0.55, ge=0, le=1)
    """A message asking for one of off_topic_intents is refused when the share of its content words found in the
    support vocabulary is below this (fitted on a labelled dev set: bench/guardrail_probes.py)."""
    off_topic_share: float = Field(0.2, ge=0, le=1)
    """A message asking for none of off_topic_intents is refused when, besides being dissimilar
    (off_topic_similarity) and without a domain keyword, less than this share of its content words are in the
    support vocabulary."""
    holding_replies: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_HOLDING_REPLIES))
    """What the customer is told when a ticket escalates, by escalation reason (negative_sentiment,
    prompt_injection, an escalation rule's name, model_unavailable, ...; `default` for any other), between the
    voice's greeting and sign-off. Never model text: write no promise (refund, replacement, dates) and no team you
    do not have. A list given here replaces the whole default list; {brand} is the brand name."""
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
    precedent_escalated_share: float | None = Field(None, ge=0, le=1)
    """A reply that answers (no escalation marker, no refusal) goes to a person (reason like_escalated_tickets) when
    at least this share of the k most similar training tickets went to a person: "I need to talk to someone"
    answered with how-to steps. Empty (the default): fitted on the training tickets when the guardrails are built,
    leave-one-out, as the smallest share that hands at most 2 % of the other training tickets to a person; off
    while fewer than 10 training tickets were escalated. 0 switches the rule off. The held-out set is never read."""
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

    @field_validator("injection_patterns", "handover_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        return check_regexes(patterns)

    @field_validator("off_topic_intents")
    @classmethod
    def _intents_compile(cls, intents: dict[str, str]) -> dict[str, str]:
        check_regexes(list(intents.values()))
        return intents

    @field_validator("holding_replies")
    @classmethod
    def _holding_replies_render(cls, replies: dict[str, str]) -> dict[str, str]:
        """Every template renders with {brand} alone and says something."""
        problems = []
        for reason, template in replies.items():
            try:
                rendered = template.format(brand="")
            except (KeyError, IndexError, ValueError) as exc:
                problems.append(f"{reason}: {template!r} cannot be rendered ({exc!r}); the only placeholder is "
                                "{brand}")
                continue
            if not rendered.strip():
                problems.append(f"{reason}: the reply is empty")
        if problems:
            raise ValueError("; ".join(problems))
        return replies

    @model_validator(mode="after")
    def _lengths_ordered(self) -> GuardrailsConfig:
        if self.min_reply_chars >= self.max_reply_chars:
            raise ValueError(f"min_reply_chars ({self.min_reply_chars}) must be below max_reply_chars "
                             f"({self.max_reply_chars})")
        return self
