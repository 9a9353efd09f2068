"""Trailhead Outfitters, the fictional store of the example corpus: names, contacts, categories and policy values.

Every other module of the example (policies.yaml, the KB, the agent answer templates) takes its facts from
`CURRENT_FACTS`, so the corpus cannot contradict itself; `OUTDATED_FACTS` are the policies before the
2025-07-01 change, which some historical answers still state.
"""

from __future__ import annotations

from datetime import UTC, datetime

BRAND = "Trailhead Outfitters"
SUPPORT_EMAIL = "support@trailhead-outfitters.example"
SITE_URL = "https://trailhead-outfitters.example"
STORE_ADDRESS = "214 Granite Peak Way, Boulder, CO 80302"
STORE_PHONE = "(303) 555-0142"
CATEGORY_FIELD_ID = 360001234567
ORDER_FIELD_ID = 360001234568
ZENDESK_URL = "https://trailhead.zendesk.example"

ANSWERABLE = (
    "returns",
    "exchanges",
    "shipping",
    "order_status",
    "availability",
    "sizing",
    "account",
    "billing",
    "discount_codes",
    "hours_location",
    "warranty",
    "damaged_items",
)
ESCALATION = (
    "refund_exception",
    "chargeback",
    "legal_threat",
    "gdpr_deletion",
    "furious_customer",
    "bug_report",
    "cancellation",
)
OFF_TOPIC = "off_topic"

ESCALATION_TEAMS = {
    "refund_exception": "returns team",
    "chargeback": "billing team",
    "legal_threat": "customer relations team",
    "gdpr_deletion": "privacy team",
    "furious_customer": "customer care team",
    "bug_report": "web team",
    "cancellation": "orders team",
}
"""Who takes over each escalation; agent replies name the team."""

POLICY_CHANGE = datetime(2025, 7, 1, tzinfo=UTC)
"""Before this date the return window was 14 days, free shipping started at $50 and the warranty was 1 year."""

CURRENT_FACTS: dict[str, str | int] = {
    "brand": BRAND,
    "site": SITE_URL,
    "support_email": SUPPORT_EMAIL,
    "phone": STORE_PHONE,
    "store_address": STORE_ADDRESS,
    "return_days": 30,
    "refund_days": 5,
    "exchange_days": 30,
    "free_ship": 75,
    "standard_cost": "6.95",
    "standard_days": "3–5",
    "express_days": "1–2",
    "express_cost": "14.95",
    "cutoff": "2 pm",
    "support_days": "Monday to Friday",
    "support_hours": "8 am–6 pm",
    "store_hours": "10 am–7 pm",
    "warranty_years": 2,
    "warranty_span": "2 years",
    "price_match_days": 10,
}

OUTDATED_FACTS: dict[str, str | int] = {
    **CURRENT_FACTS,
    "return_days": 14,
    "free_ship": 50,
    "warranty_years": 1,
    "warranty_span": "1 year",
}

OUTDATABLE = ("return_days", "free_ship", "warranty_years", "warranty_span")
"""The fact placeholders whose value changed on POLICY_CHANGE."""
