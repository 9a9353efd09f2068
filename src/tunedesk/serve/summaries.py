"""Thread summaries as the server writes them: the served model's, checked against the thread, with the extractive
summary as the fallback (`tunedesk.answer.summaries`, shared with `tunedesk eval --task summaries`)."""

from __future__ import annotations

from tunedesk.answer.extractive_summary import Summary, summarise
from tunedesk.answer.summaries import ServedSummary, summarise_with_model

__all__ = ["ServedSummary", "Summary", "summarise", "summarise_with_model"]
