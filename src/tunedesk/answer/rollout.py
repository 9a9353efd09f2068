"""The staged rollout: a stable hash of the ticket id puts each ticket in one of 10,000 buckets, so the same ticket
always gets the same treatment and raising the percentage only adds tickets."""

from __future__ import annotations

import hashlib

BUCKETS = 10_000


def bucket(ticket_id: str) -> int:
    """The ticket's bucket, 0..9999, the same on every machine and every run."""
    digest = hashlib.sha256(ticket_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def in_rollout(ticket_id: str, percent: float) -> bool:
    """True when the model answers this ticket at the given rollout percentage."""
    return bucket(ticket_id) < round(percent * BUCKETS / 100)
