"""Opening a store: the SQLite file and its settings, the mode stamp, schema checks, time zones."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from storekit import T0

from tradewind.config import TradewindConfig
from tradewind.domain.errors import ConfigError
from tradewind.store import ModeMismatchError, SchemaTooNewError, Store, StoreError, open_store
from tradewind.store.connect import describe
from tradewind.store.migrate import head_revision


def test_open_creates_folder_and_sets_sqlite_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "tw.db"
    with Store(f"sqlite:///{path}", mode="paper") as store:
        assert path.exists()
        with store.engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        assert pragma == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 30_000,
            "synchronous": 2,  # FULL
        }
        assert store.schema_revision() == head_revision()
        assert store.owner_mode() == "paper"


def test_a_faster_non_durable_store_is_available(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    with Store(url, mode="simulated", durable=False) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_database_of_another_mode_is_refused_with_the_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tradewind-paper.db'}"
    Store(url, mode="paper").close()
    with pytest.raises(ModeMismatchError) as info:
        Store(url, mode="live")
    message = str(info.value)
    assert isinstance(info.value, ConfigError)
    assert f"database {tmp_path / 'tradewind-paper.db'} belongs to mode 'paper', not 'live'" in (
        message
    )
    assert "tradewind-{mode}.db" in message and "trading.mode: paper" in message
    Store(url, mode="paper").close()  # its own mode still opens it
    Store(url).close()  # so does a mode-less reader


def test_open_store_keeps_modes_in_separate_databases(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/tradewind-{{mode}}.db"
    sim = TradewindConfig.model_validate({"database": {"url": url}})
    paper = TradewindConfig.model_validate(
        {
            "database": {"url": url},
            "trading": {"mode": "paper"},
            "broker": {"name": "alpaca", "paper_trading": True},
        }
    )
    with open_store(sim, secrets=[]) as a, open_store(paper, secrets=[]) as b:
        a.start_run(name="sim", started_at=T0, symbols=["AAA"], initial_cash=1.0)
        assert a.database.endswith("tradewind-simulated.db")
        assert b.database.endswith("tradewind-paper.db")
        assert b.runs() == []
        assert (a.owner_mode(), b.owner_mode()) == ("simulated", "paper")


def test_describe_never_shows_a_password() -> None:
    url = make_url("postgresql+psycopg://trader:hunter22@db.internal:5432/tw")
    assert "hunter22" not in describe(url)
    assert describe(make_url("sqlite:///data/tradewind-paper.db")) == "data/tradewind-paper.db"


def test_in_memory_store_works(tmp_path: Path) -> None:
    with Store("sqlite://", mode="simulated") as store:
        run = store.start_run(name="m", started_at=T0, symbols=["A"], initial_cash=1.0)
        assert store.run(run).mode == "simulated"


def test_migrate_false_refuses_an_old_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    with pytest.raises(StoreError, match="open it with migrate=True"):
        Store(url, mode="simulated", migrate=False)
    Store(url, mode="simulated").close()
    Store(url, mode="simulated", migrate=False).close()


def test_schema_written_by_a_newer_tradewind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tw.db"
    Store(f"sqlite:///{path}", mode="simulated").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaTooNewError, match="'9999'.*upgrade tradewind"):
        Store(f"sqlite:///{path}", mode="simulated")


def test_times_are_stored_as_utc_and_read_back_tz_aware(store: Store) -> None:
    eastern = timezone(timedelta(hours=-5))
    local = datetime(2024, 1, 2, 16, 0, tzinfo=eastern)
    run = store.start_run(name="tz", started_at=local, symbols=["A"], initial_cash=1.0)
    started = store.run(run).started_at
    assert started == local and started.tzinfo is UTC
    with store.engine.connect() as conn:
        raw = conn.execute(text("SELECT started_at FROM runs WHERE id = :i"), {"i": run}).scalar()
    assert str(raw).startswith("2024-01-02 21:00:00")
    with pytest.raises(ValueError, match="naive datetime"):
        store.start_run(
            name="n",
            started_at=datetime(2024, 1, 2),  # noqa: DTZ001
            symbols=["A"],
            initial_cash=1.0,
        )


def test_a_failed_open_releases_the_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    Store(url, mode="paper").close()
    for _ in range(3):
        with pytest.raises(ModeMismatchError):
            Store(url, mode="live")
    (tmp_path / "tw.db").unlink()  # nothing holds it open


def test_read_only_tools_do_not_create_a_database(tmp_path: Path) -> None:
    path = tmp_path / "data" / "tradewind-live.db"
    with pytest.raises(StoreError, match="no tradewind database at .*tradewind-live.db yet"):
        Store(f"sqlite:///{path}", create=False)
    assert not path.exists() and not path.parent.exists()
    Store(f"sqlite:///{path}", mode="live").close()
    Store(f"sqlite:///{path}", create=False).close()
