"""Fixtures for the store tests: a fresh SQLite file store and a fixed clock origin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storekit import T0

from tradewind.store import Store


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """URL of a SQLite file that does not exist yet (nor does its folder)."""
    return f"sqlite:///{tmp_path / 'data' / 'tradewind-simulated.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated store in mode ``simulated``."""
    s = Store(db_url, mode="simulated")
    yield s
    s.close()


@pytest.fixture
def run_id(store: Store) -> int:
    """A run over AAA and BBB with 10,000 USD."""
    return store.start_run(name="test", started_at=T0, symbols=["AAA", "BBB"], initial_cash=1e4)


from test_store_postgres import pg_socket_dir, pg_url  # noqa: E402  (shared by test_store_fresh)

__all__ = ["pg_socket_dir", "pg_url"]
