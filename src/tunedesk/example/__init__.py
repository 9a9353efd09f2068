"""The example corpus behind `tunedesk init DIR --example`: Trailhead Outfitters, a fictional outdoor-gear store.

A seeded, reproducible generator of the store's policies.yaml, help-centre articles and a Zendesk export of
helpdesk history with the noise real exports carry. Ground truth (`TicketTruth`) stays out of the export.
"""

from tunedesk.example.brand import (
    ANSWERABLE,
    BRAND,
    CATEGORY_FIELD_ID,
    ESCALATION,
    OFF_TOPIC,
    SITE_URL,
    STORE_ADDRESS,
    STORE_PHONE,
    SUPPORT_EMAIL,
)
from tunedesk.example.generator import TicketTruth, generate_tickets
from tunedesk.example.kb_data import kb_articles
from tunedesk.example.policies_data import policies_yaml
from tunedesk.example.writer import ExampleSummary, write_example, write_zendesk_export

__all__ = [
    "ANSWERABLE",
    "BRAND",
    "CATEGORY_FIELD_ID",
    "ESCALATION",
    "OFF_TOPIC",
    "SITE_URL",
    "STORE_ADDRESS",
    "STORE_PHONE",
    "SUPPORT_EMAIL",
    "ExampleSummary",
    "TicketTruth",
    "generate_tickets",
    "kb_articles",
    "policies_yaml",
    "write_example",
    "write_zendesk_export",
]
