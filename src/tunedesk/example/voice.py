"""How each agent writes, and what they pick up from the ticket in front of them.

A good agent does not paste the macro: they acknowledge what this customer said (the product, the trip they are
packing for, what they already tried), answer with the policy, add the detail that fits this order (the size to
pick, how long is left of the window), and close in their own words. `personal_body` writes that around an
intent's answer; a share of tickets (`MACRO_RATE`) still gets the macro as it is, as in real helpdesks.
"""

from __future__ import annotations

from dataclasses import dataclass

MACRO_RATE = 0.25
"""Share of answered tickets whose agent sends the macro unchanged."""
TRIED_RATE = 0.35
"""Share of customers who say what they already tried."""


@dataclass(frozen=True)
class Voice:
    """An agent's habits: how they start an acknowledgement and how they close."""

    thanks: tuple[str, ...]
    """A thank-you that names what the customer asked about ({topic})."""
    closings: tuple[str, ...]
    sorry: tuple[str, ...] = ("I'm sorry about the trouble with {topic}.", "I'm really sorry to hear about {topic}.")
    """How they open a ticket that goes to another team ({topic} as in `thanks`)."""


VOICES = {
    "Jake": Voice(("Thanks for reaching out about {topic}!", "Good question about {topic}."),
                  ("Shout if anything else comes up.", "Have a great time out there!")),
    "Maya": Voice(("Thank you for getting in touch about {topic}.", "Thanks for your message about {topic}."),
                  ("Let me know if I can help with anything else.", "I hope that helps.")),
    "Sam": Voice(("Great question on {topic}!", "Happy to help with {topic}."),
                 ("Enjoy your next adventure!", "See you on the trail."),
                 ("Oh no, sorry to hear about {topic}.", "That's not the experience we want with {topic}, sorry.")),
    "Priya": Voice(("Thanks for asking about {topic}.", "Thank you for your question about {topic}."),
                   ("Please reply here if anything is unclear.", "Wishing you a lovely week.")),
    "Leo": Voice(("Thanks for the note about {topic}.", "Glad you asked about {topic}."),
                 ("Any other questions, just hit reply.", "Take care!")),
    "Hannah": Voice(("Thank you for writing to us about {topic}.", "I appreciate you asking about {topic}."),
                    ("I'm here if you need anything further.", "All the best with your plans."),
                    ("I'm so sorry about {topic}, and thank you for your patience.",
                     "I understand how frustrating {topic} must be.")),
    "Diego": Voice(("Thanks for your question on {topic}!", "Good to hear from you about {topic}."),
                   ("Happy hiking!", "Let us know how it goes.")),
    "Morgan": Voice(("Thanks for contacting us about {topic}.", "Thank you for reaching out regarding {topic}."),
                    ("Don't hesitate to write back if you need more help.", "Have a good one.")),
}

TOPICS = {"returns": "your return", "exchanges": "your exchange", "shipping": "shipping",
          "order_status": "your order", "availability": "stock", "sizing": "sizing", "account": "your account",
          "billing": "billing", "discount_codes": "your discount code", "hours_location": "how to reach us",
          "warranty": "your warranty question", "damaged_items": "your order", "refund_exception": "your refund",
          "chargeback": "the charge", "legal_threat": "how this has gone", "gdpr_deletion": "your data request",
          "furious_customer": "how this has gone", "bug_report": "the website problem",
          "cancellation": "your cancellation"}
"""What a ticket of a category is about, when the agent names it without a product."""

HANDOVER_OPENINGS = {
    "refund_exception": ("I'm sorry the timing didn't work out with your return.", "I understand why you're asking "
                         "for an exception.", "Thanks for explaining why the return came late."),
    "chargeback": ("I'm sorry it has come to a dispute over the charge.", "Thanks for telling us about the dispute "
                   "with your bank.", "I understand you've raised the charge with your bank."),
    "legal_threat": ("I'm sorry things have reached this point.", "I understand how serious this is for you.",
                     "I hear how strongly you feel about this."),
    "gdpr_deletion": ("Thank you for your data request.", "Thanks for letting us know what you'd like us to do "
                      "with your data.", "Understood, you'd like your personal data removed."),
    "furious_customer": ("I'm truly sorry about how this has gone.", "I completely understand your frustration, "
                         "and I'm sorry.", "You shouldn't have had to go through this, and I'm sorry."),
    "bug_report": ("Sorry the website gave you trouble.", "Thanks for reporting the problem with the website.",
                   "Sorry about the glitch, and thanks for the details."),
    "cancellation": ("No problem, I understand you'd like to cancel.", "Of course, I understand you want to "
                     "cancel.", "Thanks for letting us know you'd like to cancel."),
}
"""Per escalation category: how an agent opens a hand-over when the customer named no product."""

CONTEXT_ACKS = {
    "I'm heading out on a trip soon, so this is a bit urgent.": "I know your trip is coming up, so here's the "
                                                                "quick answer.",
    "I've been a customer for years and love your gear.": "It's great to hear from a long-time customer.",
    "I tried to find the answer on your website but couldn't.": "Sorry the website didn't make this clear.",
    "It was a birthday present for my partner.": "What a thoughtful birthday present.",
    "Sorry if this has been asked before.": "No need to apologise, happy to explain.",
    "I'm planning a week in the backcountry next month.": "A week in the backcountry sounds wonderful.",
    "First time ordering from you guys.": "Welcome, and thanks for your first order with us.",
}
"""What an agent says back to the story a customer tells around the question (phrases.CONTEXT_SENTENCES)."""

TRIED = {
    "returns.window": (("The returns page kept timing out when I tried.", "Sorry the returns page timed out on you."),),
    "returns.how_to": (("I looked for a label in the box but there wasn't one.", "You're right that there's no "
                        "label in the box: it comes by email."),),
    "exchanges.size": (("I tried doing it online but only saw a refund option.", "Sorry the exchange option was "
                        "hard to find online."),),
    "exchanges.process": (("I tried doing it online but only saw a refund option.", "Sorry the exchange option was "
                           "hard to find online."),),
    "shipping.standard_time": (("The checkout page didn't show the delivery dates.", "Sorry the checkout didn't "
                                "show the dates clearly."),),
    "order_status.where_is": (("The tracking link in my email shows nothing.", "Sorry the tracking link isn't "
                               "showing anything yet."),),
    "availability.restock": (("The product page just says 'coming soon'.", "I know 'coming soon' doesn't tell you "
                              "much."),),
    "sizing.jacket_size": (("I checked the size chart but I'm between two sizes.", "Being between two sizes is "
                            "tricky, so here's how I'd choose."),),
    "account.password_reset": (("I already tried the reset link twice.", "Sorry the reset link didn't work for you "
                                "twice."),),
    "account.login_trouble": (("I logged out and back in but it's the same.", "Thanks for trying to log out and "
                               "back in already."),),
    "account.newsletter": (("I clicked unsubscribe once already.", "Sorry the first unsubscribe didn't stick."),),
    "billing.invoice": (("I searched my emails but can't find anything.", "Sorry you couldn't find it in your "
                         "emails."),),
    "discount_codes.not_working": (("I typed the code twice and it still says invalid.", "Sorry the code kept "
                                    "showing as invalid."),),
    "hours_location.store_hours": (("Google shows different hours.", "Thanks for flagging that Google shows other "
                                    "hours."),),
    "warranty.claim": (("I tried fixing it myself but it's still not right.", "Thanks for trying to fix it yourself "
                        "first."),),
    "damaged_items.arrived_damaged": (("I've attached a photo of the damage.", "Thank you for the photo of the "
                                       "damage."),),
    "damaged_items.defective": (("I've attached a photo of the fault.", "Thank you for the photo of the fault."),),
}
"""Per intent: what a customer says they already tried, and how the agent acknowledges it."""

SPECIFICS = {
    "returns": ((("order",), "When you start the return, just enter order {order} and your email."),
                (("weeks",), "Since it arrived about {weeks} weeks ago, you're still comfortably inside the "
                             "window."),
                (("item",), "Please leave any tags on the {item} and pack it in the original box if you can.")),
    "exchanges": ((("size", "other_size"), "When you start the exchange, choose {other_size} instead of {size}."),
                  (("colour", "other_colour"), "Choose {other_colour} as the new colour when you start the "
                                               "exchange."),
                  (("item",), "Keep the tags on the {item} until the new one arrives.")),
    "shipping": ((("country",), "For {country}, the checkout shows the exact shipping cost before you pay."),),
    "order_status": ((("order",), "If you reply from the email on order {order}, we can match it straight away."),),
    "availability": ((("item", "size"), "On the {item} page, pick {size} to see that exact size."),
                     (("item",), "The restock email on the {item} page is the quickest way to hear first.")),
    "sizing": ((("size",), "You mentioned {size}, so compare that with the chart before you order."),
               (("item",), "The size chart on the {item} page has the exact measurements.")),
    "billing": ((("order",), "The invoice for order {order} is under Account > Orders."),
                (("item",), "The {item} will show on the invoice with its price.")),
    "discount_codes": ((("code",), "If {code} still won't apply, reply with a screenshot of your cart."),),
    "hours_location": ((("item",), "Bring the {item} along if you'd like the team to take a look."),),
    "warranty": ((("item",), "Please include a photo of the {item} with the claim form."),
                 (("order",), "Add order {order} to the claim form so we can find it quickly.")),
    "damaged_items": ((("order",), "Please mention order {order} if you reply with more photos."),),
}
"""Per category: a detail that fits this ticket, using only slots the customer mentioned (the slot names listed)."""


def mentioned_slots(slots: dict[str, str], text: str) -> set[str]:
    """The slots whose values the customer's message contains (case-insensitive); `weeks` counts as "N weeks"."""
    lowered = text.lower()
    found = {name for name, value in slots.items() if value and len(value) > 1 and value.lower() in lowered}
    if f"{slots.get('weeks', '').lower()} weeks" not in lowered:
        found.discard("weeks")
    return found


def topic(slots: dict[str, str], mentioned: set[str], category: str) -> str:
    """What the customer asked about, as the agent names it: the product when they named it."""
    return f"the {slots['item']}" if "item" in mentioned else TOPICS.get(category, "your question")


def acknowledgement(agent: str, slots: dict[str, str], mentioned: set[str], intent: str, context: list[str],
                    tried: str | None, pick: int, core: str) -> str:
    """The agent's opening: what they say back to what the customer tried or told, else (unless the answer opens
    with its own thanks or apology) a thank-you naming the topic in their own words."""
    if tried is not None:
        return dict(TRIED.get(intent, ())).get(tried, "")
    for sentence in context:
        if sentence in CONTEXT_ACKS:
            return CONTEXT_ACKS[sentence]
    if core.lower().startswith(("thank", "sorry", "i'm sorry", "i am sorry", "oh no")):
        return ""
    category = intent.split(".", 1)[0]
    thanks = VOICES[agent].thanks
    return thanks[pick % len(thanks)].format(topic=topic(slots, mentioned, category))


def sorry(agent: str, slots: dict[str, str], mentioned: set[str], category: str, pick: int) -> str:
    """The agent's opening for a ticket they hand over: sorry about the product in their own words when the
    customer named one, else the line that fits the kind of ticket."""
    if "item" in mentioned and category not in ("gdpr_deletion", "cancellation"):
        options = VOICES[agent].sorry
        return options[pick % len(options)].format(topic=topic(slots, mentioned, category))
    lines = HANDOVER_OPENINGS.get(category, ("I'm sorry for the trouble.",))
    return lines[pick % len(lines)]


def specific_detail(slots: dict[str, str], mentioned: set[str], category: str, pick: int) -> str:
    """A detail for this ticket that needs only what the customer mentioned ("" when none fits)."""
    fitting = [template for needed, template in SPECIFICS.get(category, ()) if set(needed) <= mentioned]
    return fitting[pick % len(fitting)].format_map(slots) if fitting else ""


def closing(agent: str, pick: int) -> str:
    """One of the agent's own closing lines."""
    closings = VOICES[agent].closings
    return closings[pick % len(closings)]
