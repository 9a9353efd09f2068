"""What a workspace keeps: records in a database (SQLite by default, PostgreSQL by URL) — tickets, the model
registry (`model_registry`), the served replies and their feedback (`replies`) — and the folders of its training
runs (`runs`) and evaluations (`evaluations`)."""

from tunedesk.store.db import Store, UpsertCounts, batched, open_store

__all__ = ["Store", "UpsertCounts", "batched", "open_store"]
