"""The clean stage: stored tickets → public thread, quotes, signatures and internal notes stripped, PII redacted
(`tunedesk.pii`), escalations labelled, quality scored, duplicates removed → clean tickets and a funnel report."""
