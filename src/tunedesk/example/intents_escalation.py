"""Intents a model must not answer itself: escalations (handed to a named team) and off-topic requests (refused)."""

from __future__ import annotations

from tunedesk.example.intent import Intent, intent

ESCALATIONS = [
    intent(
        "refund_exception.outside_policy", "any",
        ["Refund exception", "Please make an exception", "Refund request"],
        [
            "I know it's been more than 30 days but I really need a refund for the {item}. I was travelling and "
            "couldn't return it sooner.",
            "Can you make an exception and refund my final sale {item}? It's never been worn.",
            "I'd like a full refund instead of store credit for order {order}, even though it's past the window.",
            "My return arrived late because the carrier lost it for two weeks. Please still refund me.",
            "I used the {item} once and it's just not for me. I want my money back, even though it's been 6 weeks.",
            "Please refund order {order} in full including the original shipping. I'm not happy with it.",
        ],
        [
            "I understand how frustrating this is, and I'm sorry the timing didn't work out. Refunds outside our "
            "standard policy need approval, so I've passed your request to our returns team, who will contact "
            "you within 1 business day. You don't need to do anything else for now.",
            "Thanks for explaining what happened, and I'm sorry for the hassle. I can't approve an exception "
            "myself, but I've passed your request with all the details to our returns team, who will contact "
            "you within 1 business day.",
        ],
    ),
    intent(
        "chargeback.dispute", "any",
        ["Payment dispute", "Chargeback", "Disputed charge"],
        [
            "I've filed a chargeback with my bank for order {order} because you never refunded me.",
            "My bank is disputing the charge for the {item}. Just letting you know.",
            "I'm going to dispute this charge with my credit card company if I don't get my money back today.",
            "I opened a dispute with PayPal for order {order}.",
            "Why did you charge me {amount}? I'm reporting it to my bank as fraud.",
            "I don't recognise a charge from you on my card {card}. I've asked my bank to reverse it.",
        ],
        [
            "Thank you for letting us know, and I'm sorry it has come to this. Because a payment dispute is "
            "involved, I've passed your case to our billing team, who handle all chargebacks and will contact you "
            "within 1 business day. Please keep any letters from your bank, as they may ask for them.",
            "I'm sorry you've had to contact your bank. I've passed this to our billing team, who will look into "
            "the charge and the dispute and contact you within 1 business day.",
        ],
    ),
    intent(
        "legal_threat.lawyer", "any",
        ["Legal action", "Formal complaint", "Final warning"],
        [
            "If I don't get a refund by Friday I'm contacting my lawyer.",
            "This is false advertising and I will be taking legal action.",
            "I'm reporting you to the Better Business Bureau and the attorney general.",
            "My {item} failed and I was hurt on the trail. I'm considering suing.",
            "Consider this formal notice: I will file in small claims court over order {order}.",
            "My attorney will be in touch about the defective {item}.",
        ],
        [
            "I'm sorry to hear how strongly you feel, and I want to make sure this is handled properly. I've "
            "passed your message to our customer relations team, who deal with formal complaints and legal "
            "matters; they will contact you within 1 business day.",
            "Thank you for your message. Because you've mentioned legal action, I've passed this to our customer "
            "relations team, who will review everything and contact you within 1 business day. I'm sorry for the "
            "trouble this has caused.",
        ],
    ),
    intent(
        "gdpr_deletion.erase", "any",
        ["Delete my data", "Data deletion request", "Close my account"],
        [
            "Please delete my account and all my personal data.",
            "Under GDPR I request erasure of all data you hold about me. My email is {email}.",
            "I want you to remove my address and phone number from your systems.",
            "Close my account and delete everything. I don't want you keeping my information.",
            "What personal data do you have on me? I'd like a copy and then delete it.",
            "Data deletion request - {full} - {email}",
        ],
        [
            "Thanks for your request. I've passed it to our privacy team, who handle all data access and deletion "
            "requests; they'll verify your identity and contact you within 1 business day. Once your account is "
            "deleted, we can't restore your order history, so download any invoices you need first.",
            "Understood. For your security, data requests are handled by our privacy team, and I've passed yours "
            "to them. They'll contact you within 1 business day to verify your identity and confirm the deletion.",
        ],
    ),
    intent(
        "furious_customer.complaint", "any",
        ["Terrible service", "Worst experience ever", "COMPLAINT", "Absolutely furious"],
        [
            "This is absolutely ridiculous. Third time I'm writing and nobody has helped me. Your service is "
            "terrible and I'm furious. Worst company ever.",
            "I am so angry right now. The {item} broke on day one and your useless support ignored me for a week. "
            "Disgusting.",
            "Horrible, horrible experience. Order {order} is late, the tracking is wrong, and I'm sick of your "
            "pathetic excuses. Never again.",
            "You people are a joke. I've wasted hours on hold, I'm fed up and furious. Terrible, awful service.",
            "I hate this company. The {item} is garbage, the refund never came and nobody cares. Pathetic and "
            "disgusting.",
            "Worst shopping experience of my life. Rude staff, a broken {item}, and zero help. I'm disgusted and "
            "angry.",
            "Unbelievable. Your awful website charged me twice and then lost my order. I'm beyond angry, this is "
            "a disgrace.",
            "Absolutely terrible. The {item} fell apart, your returns process is a nightmare and I'm furious. "
            "Awful.",
        ],
        [
            "I'm truly sorry. You shouldn't have had to write more than once, and I understand why you're upset. "
            "I've passed your case to our customer care team, who will review everything personally and contact "
            "you within 1 business day to put this right.",
            "I'm very sorry for how this has gone, and for the frustration it has caused you. I've passed your "
            "ticket to our customer care team, who will review the whole history and contact you within 1 "
            "business day.",
        ],
    ),
    intent(
        "bug_report.site_error", "any",
        ["Website error", "Checkout broken", "App problem"],
        [
            "Your checkout page keeps crashing when I click Pay. I tried three times.",
            "The app freezes when I open my cart on my iPhone.",
            "Getting 'Error 500' when I try to apply a gift card at checkout.",
            "The size dropdown for the {item} doesn't work on mobile.",
            "Every time I log in through the app it logs me straight out again.",
            "The website says 'something went wrong' when I try to save my address.",
        ],
        [
            "Thank you for reporting this, and sorry for the trouble! I've passed the details to our web team so "
            "they can investigate and fix it, and they'll contact you within 1 business day. In the meantime, "
            "you can place your order by phone on {phone}, {support_days}, {support_hours} Eastern.",
            "Thanks for letting us know, and I'm sorry the site misbehaved. I've passed the details you sent to "
            "our web team, who will contact you within 1 business day. If you need to order sooner, call us on "
            "{phone} and we'll place it for you.",
        ],
    ),
    intent(
        "cancellation.cancel_order", "any",
        ["Cancel my order", "Cancellation request", "Please cancel {order}"],
        [
            "Please cancel my order {order} immediately.",
            "I ordered the {item} by mistake, can you cancel it?",
            "Cancel order {order} please, I found it elsewhere.",
            "I need to cancel my order before it ships!",
            "Can I still cancel? Ordered the {item} an hour ago.",
            "Want to cancel my order, it hasn't shipped yet: {order}",
        ],
        [
            "No problem. I've passed your cancellation request to our orders team, who will stop the order if it "
            "hasn't left the warehouse yet and contact you within 1 business day. If it has already shipped, you "
            "can return it for free once it arrives.",
            "Thanks for letting us know. Cancellations are handled by our orders team, and I've passed yours to "
            "them; they'll contact you within 1 business day to confirm. If the parcel is already on its way, you "
            "can send it back free of charge.",
        ],
    ),
]

OFF_TOPIC_ANSWERS = [
    "Thanks for reaching out! I'm sorry, but I can only help with questions about Trailhead Outfitters products, "
    "orders and services. If there's anything about your gear or an order I can help with, just reply here.",
    "That's a fun question, but I'm sorry, I can only help with questions about Trailhead Outfitters products, "
    "orders and services. If you need anything for your next adventure, I'm happy to help!",
]

OFF_TOPIC_INTENTS = [
    intent(
        "off_topic.weather", "any",
        ["Weather", "Forecast question", "Quick question"],
        [
            "What's the weather going to be like in the Rockies this weekend?",
            "Will it snow in Boulder tomorrow?",
            "Is it going to rain on my hike on Saturday?",
            "Can you tell me the forecast for the mountains next week?",
            "how cold will it be tonight in Denver",
            "Do you know if the trails will be icy this weekend?",
        ],
        OFF_TOPIC_ANSWERS,
    ),
    intent(
        "off_topic.homework", "any",
        ["Homework help", "Question", "School project"],
        [
            "Can you help me with my chemistry homework? I need to balance an equation.",
            "Write me a 500-word essay on climate change please.",
            "What's the capital of Australia? It's for a quiz.",
            "Can you solve 3x + 7 = 22 for me?",
            "I need help with my history assignment about the gold rush.",
            "Can you translate this paragraph into Spanish for my class?",
        ],
        OFF_TOPIC_ANSWERS,
    ),
    intent(
        "off_topic.joke", "any",
        ["Hello!", "Just saying hi", "Bored"],
        [
            "Tell me a joke!",
            "Do you know any good camping jokes?",
            "I'm bored, entertain me.",
            "What's your favourite hiking trail? Just curious.",
            "Are you a robot?",
            "Write me a poem about mountains.",
        ],
        OFF_TOPIC_ANSWERS,
    ),
    intent(
        "off_topic.stocks", "any",
        ["Investment question", "Stock tip?", "Shares"],
        [
            "Should I buy shares of outdoor companies right now?",
            "Is Trailhead Outfitters a public company? Is it a good investment?",
            "What do you think about crypto?",
            "Any stock tips? You must know which brands are doing well.",
            "Should I sell my index funds before the election?",
            "Which outdoor brand's stock will go up next year?",
        ],
        OFF_TOPIC_ANSWERS,
    ),
    intent(
        "off_topic.other_company", "any",
        ["Help with another order", "Not your company but...", "Question"],
        [
            "My package from another online store never arrived, can you help?",
            "How do I return something I bought from a different retailer?",
            "Can you fix my internet? My provider is terrible.",
            "Can you help me book a flight to Denver?",
            "My phone company overcharged me, who should I call?",
            "Can you cancel my gym membership for me?",
        ],
        OFF_TOPIC_ANSWERS,
    ),
]

ESCALATION_INTENTS: list[Intent] = ESCALATIONS
