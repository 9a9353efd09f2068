"""Prometheus metrics of one server: requests, decisions, latency, guardrail overhead."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class ServerMetrics:
    """The server's counters and histograms, in their own registry (several apps can live in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("tunedesk_requests", "HTTP requests by route and status code", ["route", "status"],
                                registry=self.registry)
        self.decisions = Counter("tunedesk_decisions", "Routing decisions", ["decision"], registry=self.registry)
        self.latency = Histogram("tunedesk_reply_seconds", "Time to a decided reply", buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.guardrails = Histogram("tunedesk_guardrail_seconds", "Time spent in guardrails and context per reply",
                                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1),
                                    registry=self.registry)

    def observe_reply(self, decision: str, latency_ms: float, overhead_ms: float) -> None:
        """Count one decided reply."""
        self.decisions.labels(decision).inc()
        self.latency.observe(latency_ms / 1000)
        self.guardrails.observe(overhead_ms / 1000)

    def render(self) -> bytes:
        """The exposition text."""
        return generate_latest(self.registry)
