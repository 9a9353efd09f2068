"""The small talk around questions and answers: openers, closers, sign-offs, follow-ups, notes and poor replies.

Templates name the same slots as the intents (`{first}`, `{order}`, `{agent}`…). Texts that state a policy
fact use the fact placeholders, so they can never drift from policies.yaml.
"""

from __future__ import annotations

OPENERS = (
    "", "", "", "Hi,", "Hello,", "Hi there,", "Hey,", "Good morning,", "Hello Trailhead team,", "Hi support,",
    "Dear Trailhead Outfitters,", "Hey team!", "Hi guys,", "Good afternoon,",
)
CLOSERS = (
    "", "", "Thanks!", "Thank you.", "Thanks in advance.", "Appreciate the help.", "Cheers", "Thanks so much!",
    "Looking forward to hearing from you.", "Any help appreciated.",
)
ANGRY_OPENERS = ("", "", "Hi,", "Hello,", "To whom it may concern,")
ANGRY_CLOSERS = ("", "Fix this NOW.", "Unacceptable.", "I want this sorted today.", "Disgusted.")
SIGNOFFS_FIRST = ("{first}", "- {first}", "Thanks,\n{first}", "Cheers,\n{first}")
SIGNOFFS_FULL = ("{full}", "Best,\n{full}", "Thanks,\n{full}", "Kind regards,\n{full}", "Regards,\n{full}")
DEVICE_FOOTERS = ("Sent from my iPhone", "Sent from my iPhone", "Sent from my Android phone", "Get Outlook for iOS")

PII_SENTENCES = {
    "email": ("You can reach me at {email}.", "My account email is {email}.", "(my email: {email})"),
    "phone": ("Call me on {phone_number} if that's easier.", "My number is {phone_number}.", "Phone: {phone_number}"),
    "address": ("I live at {address}.", "Shipping address is {address}.", "My address: {address}"),
    "card": ("I paid with my card {card}.", "Card used was {card} if that helps.", "Card: {card}"),
    "order": ("Order number is {order}.", "(order {order})", "Ref: {order}"),
}

GENERIC_SUBJECTS = (
    "Question", "Help please", "Quick question", "Hello", "Re: your order", "(no subject)", "Support request",
    "Urgent", "Inquiry", "hi", "Need help", "Fwd: order confirmation",
)

VALEDICTION = "Happy trails,\n{agent}"
GREETING = "Hi {first},"

CLARIFY_ORDER = (
    "Thanks for getting in touch! So I can look into this, could you send me your order number? It starts with "
    "TH- and you'll find it in your confirmation email.",
    "Happy to help! Could you reply with your order number (it starts with TH-) so I can pull up the details?",
)
CLARIFY_REPLIES = (
    "Sure, it's {order}.", "{order}", "Here you go: {order}", "Order number is {order}, thanks.",
    "Oops, sorry! It's {order}", "It's {order}. Thanks for checking.",
)
FOLLOWUP_LEADS = (
    "Thanks {agent}! One more question: ", "Great, thank you. ", "Thanks for the quick reply. ",
    "Perfect, thanks. ", "Ok thanks. ", "Thank you! Another thing: ",
)
THANKS_REPLIES = (
    "Thanks, that's all I needed!", "Perfect, thank you!", "Great, appreciate it.", "Got it, thanks {agent}.",
    "Thank you so much, that helps.",
)

NOTES = (
    "Checked OMS: {order} shipped {ship_date} via {carrier}.",
    "Customer called about this too, same issue. Phone on file: {phone_number}.",
    "Repeat customer, several orders this year. Please prioritise.",
    "@{colleague} can you confirm this with the warehouse before we reply?",
    "Verified identity: {full}, {email}.",
    "Left a voicemail for the customer at {phone_number}.",
    "Used the standard macro, double-check before solving.",
    "Merged a duplicate chat transcript into this ticket.",
    "Customer's address on file: {address}. Matches the order.",
    "FYI this one came in over the weekend, SLA already breached.",
)

NON_ANSWERS = (
    "Thanks for reaching out. Let me look into this and follow up with you shortly.",
    "Good question! I'll check with engineering and get back to you.",
    "I'm checking on this with the team and will get back to you as soon as I can.",
    "Thanks for your patience. I've made a note of this and will follow up.",
    "Let me look into this and follow up.",
)

CURT_ANSWERS = (
    "Please see {site}/help.",
    "This is covered in our FAQ: {site}/help.",
    "Please check your account.",
    "See our policy page on the website.",
    "We can't help with that, sorry.",
)

GOOD_CSAT_COMMENTS = ("", "", "", "Quick and helpful, thanks!", "Great service", "Very helpful", "Solved in minutes.")
BAD_CSAT_COMMENTS = (
    "Didn't answer my question.", "Slow and unhelpful.", "Copy-paste answer, not helpful.",
    "Had to figure it out myself.", "", "Rude.",
)

LONG_ANSWER_EXTRAS = (
    "A few other things that might be useful: standard shipping is free on orders over ${free_ship}, and orders "
    "placed before {cutoff} Eastern on a business day ship the same day. Standard delivery takes {standard_days} "
    "business days, and express delivery takes {express_days} business days.",
    "If you ever need to send something back, you have {return_days} days from delivery to return it, and refunds "
    "are issued within {refund_days} business days of the return reaching our warehouse. Exchanges for a different "
    "size or colour are free within {exchange_days} days, and we ship the replacement as soon as your return is "
    "scanned.",
    "All our own-brand gear is covered by a {warranty_years}-year warranty against defects in materials and "
    "workmanship, so keep your order confirmation handy. If anything goes wrong, the claim form at "
    "{site}/warranty takes two minutes, and we repair or replace the item with shipping on us.",
    "Our flagship store at {store_address} is open every day from {store_hours}, and the team there is always "
    "happy to help with fitting, gear advice and trip planning. You can also pick up online orders there for free.",
    "You can reach our support team by phone on {phone}, {support_days}, {support_hours} Eastern, or by email at "
    "{support_email}. We read every message and usually reply within a few hours on business days.",
    "And if you haven't already, sign up for our newsletter at {site} for early access to new gear, trail guides "
    "and member-only events. Only one discount code can be used per order, and codes don't apply to sale items, "
    "but newsletter subscribers get first pick of the seasonal sales.",
)

CONTEXT_SENTENCES = (
    "I'm heading out on a trip soon, so this is a bit urgent.",
    "I've been a customer for years and love your gear.",
    "I tried to find the answer on your website but couldn't.",
    "It was a birthday present for my partner.",
    "Sorry if this has been asked before.",
    "I'm planning a week in the backcountry next month.",
    "First time ordering from you guys.",
)
