"""Alembic environment: run by tunedesk.store on open with the store's own connection."""

from alembic import context

from tunedesk.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
