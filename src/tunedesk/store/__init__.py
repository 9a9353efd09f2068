"""The store: records in a database (SQLite by default, PostgreSQL by URL)."""

from tunedesk.store.db import Store, UpsertCounts, open_store

__all__ = ["Store", "UpsertCounts", "open_store"]
