"""Zendesk API v2 shapes: the ticket object with its embedded comments, and the user object."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tunedesk.example.brand import BRAND, CATEGORY_FIELD_ID, ORDER_FIELD_ID, SUPPORT_EMAIL, ZENDESK_URL
from tunedesk.example.conversation import Thread, Turn
from tunedesk.example.noise import plain_html, rich_html
from tunedesk.example.people import AGENTS, Customer

BRAND_ID = 360002256001
TICKET_FORM_ID = 360000389001
GROUPS = {"support": 360004077001, "returns": 360004077002, "orders": 360004077003, "escalations": 360004077004}
GROUP_OF_CATEGORY = {
    "returns": "returns", "exchanges": "returns", "damaged_items": "returns", "warranty": "returns",
    "shipping": "orders", "order_status": "orders", "availability": "orders", "billing": "orders",
}


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, as Zendesk writes timestamps."""
    m = moment
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def comment_dict(comment_id: int, turn: Turn) -> dict[str, Any]:
    """One Zendesk comment object; internal notes are `public: false`."""
    return {
        "id": comment_id,
        "type": "Comment",
        "author_id": turn.author_id,
        "body": turn.body,
        "html_body": rich_html(turn.body) if turn.rich else plain_html(turn.body),
        "plain_body": turn.body,
        "public": turn.role != "note",
        "attachments": [],
        "created_at": iso(turn.at),
    }


def ticket_dict(
    ticket_id: int, thread: Thread, meta: dict[str, Any], first_comment_id: int
) -> dict[str, Any]:
    """The ticket object as Zendesk's export returns it, plus the embedded `comments` list."""
    comments = [comment_dict(first_comment_id + n, turn) for n, turn in enumerate(thread.turns)]
    custom_fields = [
        {"id": CATEGORY_FIELD_ID, "value": meta["category"]},
        {"id": ORDER_FIELD_ID, "value": thread.slots["order"] if meta["order_known"] else None},
    ]
    customer = thread.customer
    return {
        "url": f"{ZENDESK_URL}/api/v2/tickets/{ticket_id}.json",
        "id": ticket_id,
        "external_id": str(ticket_id),
        "via": {
            "channel": meta["channel"],
            "source": {
                "from": {"address": customer.email, "name": customer.full},
                "to": {"name": BRAND, "address": SUPPORT_EMAIL},
                "rel": None,
            },
        },
        "created_at": iso(thread.turns[0].at),
        "updated_at": iso(meta["updated_at"]),
        "type": meta["type"],
        "subject": thread.subject,
        "raw_subject": thread.subject,
        "description": thread.turns[0].body,
        "priority": meta["priority"],
        "status": meta["status"],
        "recipient": SUPPORT_EMAIL,
        "requester_id": customer.user_id,
        "submitter_id": customer.user_id,
        "assignee_id": thread.agent.user_id,
        "organization_id": None,
        "group_id": GROUPS[meta["group"]],
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "problem_id": None,
        "has_incidents": False,
        "is_public": True,
        "due_at": None,
        "tags": meta["tags"],
        "custom_fields": custom_fields,
        "fields": custom_fields,
        "satisfaction_rating": meta["satisfaction_rating"],
        "ticket_form_id": TICKET_FORM_ID,
        "brand_id": BRAND_ID,
        "allow_channelback": False,
        "allow_attachments": True,
        "comments": comments,
    }


def users_for(customers: dict[int, tuple[Customer, datetime]]) -> list[dict[str, Any]]:
    """The users file: every agent, then every requester with the time of their first ticket."""
    staff_since = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
    users = [user_dict(a.user_id, a.full, a.email, a.role, None, staff_since) for a in AGENTS]
    for user_id in sorted(customers):
        customer, first_seen = customers[user_id]
        # Not every customer leaves a phone number on their profile.
        phone = customer.phone if user_id % 5 < 3 else None
        users.append(user_dict(user_id, customer.full, customer.email, "end-user", phone, first_seen))
    return users


def user_dict(
    user_id: int, name: str, email: str, role: str, phone: str | None, created: datetime
) -> dict[str, Any]:
    """A Zendesk user object: `end-user` for customers, `agent` or `admin` for staff."""
    return {
        "id": user_id,
        "url": f"{ZENDESK_URL}/api/v2/users/{user_id}.json",
        "name": name,
        "email": email,
        "created_at": iso(created),
        "updated_at": iso(created),
        "time_zone": "Mountain Time (US & Canada)",
        "iana_time_zone": "America/Denver",
        "phone": phone,
        "shared_phone_number": None,
        "photo": None,
        "locale_id": 1,
        "locale": "en-US",
        "organization_id": None,
        "role": role,
        "verified": True,
        "external_id": None,
        "tags": [],
        "alias": None,
        "active": True,
        "shared": False,
        "shared_agent": False,
        "last_login_at": None,
        "two_factor_auth_enabled": False,
        "signature": None,
        "details": None,
        "notes": None,
        "role_type": None,
        "moderator": role != "end-user",
        "ticket_restriction": "requested" if role == "end-user" else None,
        "only_private_comments": False,
        "restricted_agent": False,
        "suspended": False,
    }
