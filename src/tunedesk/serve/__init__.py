"""Serving: an OpenAI-compatible API with guardrails and answer-or-escalate routing (`tunedesk serve`)."""
