"""Alembic migration scripts of the store, run by :mod:`tradewind.store.migrate`."""
