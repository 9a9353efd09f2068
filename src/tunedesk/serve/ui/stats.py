"""The dashboard's numbers from the reply log: how much the model resolves alone, what agents do with its drafts,
how often tickets reach a person, latency, and thumbs per day; plus small inline SVG bar charts."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from tunedesk.records import Feedback, ServedReply

NO_CATEGORY = "(none)"


@dataclass
class Rates:
    """Outcome shares for a set of served replies."""

    n: int = 0
    reviewed: int = 0
    autonomous: float | None = None
    approved: float | None = None
    edited: float | None = None
    rejected: float | None = None
    escalated: float | None = None
    latency_p50: float | None = None
    latency_p95: float | None = None


@dataclass
class Dashboard:
    """Everything /ui/dashboard shows."""

    overall: Rates
    by_category: dict[str, Rates]
    thumbs_by_day: list[tuple[str, int, int]] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def rates_of(replies: list[ServedReply]) -> Rates:
    """Autonomous share (auto_send), agents' approve/edit/reject shares of the drafts they reviewed, escalations
    (by the guardrails or by an agent) and latency percentiles."""
    n = len(replies)
    if not n:
        return Rates()
    # Only an agent's decision counts as reviewed: auto-sent and guardrail-escalated replies never reached one.
    reviewed = [r for r in replies if r.reviewer is not None or r.reviewed_at is not None]
    latencies = [r.latency_ms for r in replies if r.latency_ms is not None]

    def share_of_reviewed(status: str) -> float | None:
        return sum(r.status == status for r in reviewed) / len(reviewed) if reviewed else None

    return Rates(n=n, reviewed=len(reviewed), autonomous=sum(r.decision == "auto_send" for r in replies) / n,
                 approved=share_of_reviewed("approved"), edited=share_of_reviewed("edited"),
                 rejected=share_of_reviewed("rejected"),
                 escalated=sum(r.decision == "escalate" or r.status == "escalated" for r in replies) / n,
                 latency_p50=percentile(latencies, 0.5), latency_p95=percentile(latencies, 0.95))


def thumbs_by_day(events: Iterable[Feedback]) -> list[tuple[str, int, int]]:
    """(day, thumbs up, thumbs down) for each day with a rating, oldest first."""
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for event in events:
        if event.kind in ("thumbs_up", "thumbs_down"):
            days[event.at.date().isoformat()][event.kind == "thumbs_down"] += 1
    return [(day, up, down) for day, (up, down) in sorted(days.items())]


def dashboard(replies: list[ServedReply], events: Iterable[Feedback]) -> Dashboard:
    """Overall and per-category rates, and the thumbs per day."""
    groups: dict[str, list[ServedReply]] = defaultdict(list)
    for reply in replies:
        groups[reply.category or NO_CATEGORY].append(reply)
    return Dashboard(overall=rates_of(replies), by_category={c: rates_of(rs) for c, rs in sorted(groups.items())},
                     thumbs_by_day=thumbs_by_day(events))


def bar_chart(bars: list[tuple[str, list[float]]], colors: list[str], title: str, unit: str = "") -> Markup:
    """A grouped horizontal bar chart as inline SVG (labels escaped); each bar is (label, values)."""
    top = max([v for _, values in bars for v in values] + [1e-9])
    row, label_w, width = 14 * max(1, len(colors)) + 8, 120, 420
    height = 24 + row * len(bars)
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {label_w + width + 60} '
             f'{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, values) in enumerate(bars):
        y = 20 + i * row
        parts.append(f'<text x="{label_w - 6}" y="{y + row / 2}" text-anchor="end">{escape(label)}</text>')
        for j, value in enumerate(values):
            w = width * value / top
            parts.append(f'<rect x="{label_w}" y="{y + j * 14}" width="{w:.1f}" height="12" fill="{colors[j]}"/>'
                         f'<text x="{label_w + w + 4:.1f}" y="{y + j * 14 + 10}">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # safe: every label interpolated above is escaped
