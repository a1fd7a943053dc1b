"""Alembic environment: runs on the connection Reverie hands over (never a URL from an ini file)."""

from alembic import context

from reverie.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
