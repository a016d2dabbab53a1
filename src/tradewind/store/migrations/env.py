"""Alembic environment: runs migrations on the connection :mod:`tradewind.store.migrate` passes.

The caller owns the transaction (so an upgrade is all-or-nothing, including on SQLite) and, on
SQLite, switches foreign keys off around it: batch migrations rebuild tables by copy, drop and
rename, which foreign-key enforcement would turn into cascades or failures.
"""

from __future__ import annotations

from alembic import context

from tradewind.store.schema import Base


def run_migrations() -> None:
    """Run the migrations on ``config.attributes["connection"]``."""
    connection = context.config.attributes.get("connection")
    if connection is None or context.is_offline_mode():
        raise RuntimeError(
            "tradewind's migrations run through tradewind.store.migrate.upgrade(), "
            "which passes a live connection; offline (--sql) mode is not supported"
        )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
