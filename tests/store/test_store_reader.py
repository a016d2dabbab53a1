"""The stdlib reader (:mod:`tradewind.store.reader`) reads exactly what :class:`Store` reads:
every method compared on the same databases, a SQLite file (through ``sqlite3``) and a real
PostgreSQL server (the same SQL on the store's SQLAlchemy connection); it opens what the store
opens, refuses what the store refuses with the same message, and parses database URLs as
SQLAlchemy does."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from storekit import T0, at, fill_event, request
from test_store_postgres import pg_socket_dir, pg_url  # noqa: F401  # the PostgreSQL fixtures

from tradewind.domain import OrderEvent, OrderStatus, Side
from tradewind.domain.orders import OrderType
from tradewind.domain.records import Decision, EngineEvent, OrderRecord
from tradewind.store import (
    AccountSnapshot,
    CostSnapshot,
    PositionSnapshot,
    Store,
    StoreError,
)
from tradewind.store.connect import sqlite_path
from tradewind.store.reader import StoreReader, backend_name, open_reader, sqlite_file

REGIMES = ("BULL", "BULL", "BEAR", "BEAR", "BULL")


def populate(store: Store) -> tuple[int, int]:
    """Two runs with cycles (decisions with orders, targets, notes; regimes that change),
    positions, orders in every state (a limit order, partial fills, a cancel), fills, halts
    active and cleared with data, state, heartbeats with a silence."""
    first = store.start_run(name="old", started_at=T0, symbols=["AAA", "BBB"], initial_cash=1e4)
    store.end_run(first, ended_at=at(30))
    run = store.start_run(
        name="new", started_at=at(60), symbols=["AAA", "BBB"], initial_cash=2e4, run_tag="t1"
    )
    for i, regime in enumerate(REGIMES):
        ts = at(60 + 60 * i)
        decision = (
            Decision(
                ts,
                regime,
                0.75,
                "risk_parity",
                ("drift", f"cycle {i}"),
                (0.4, 0.6),
                (OrderRecord(f"c{i}", "AAA", "buy", 3.0, "rebalance", 100.5, 0.1, 0.2, 0.0),),
                2e4 + i,
                2e4,
                None,
                ("skipped BBB",),
            )  # fmt: skip
            if i % 2 == 0
            else None
        )
        account = AccountSnapshot(
            ts, 2e4 + i * 10.5, 1e4 - i, 0.5 + i / 100,
            (PositionSnapshot("AAA", 3.0 + i, 100.25, 101.0 + i),
             PositionSnapshot("BBB", 2.0, 50.0, None)),
            realized_pnl=1.5 * i, costs=CostSnapshot(0.1 * i, 0.2, 0.0, 100.0 * i),
        )  # fmt: skip
        store.record_cycle(
            run, account, regime=regime, inputs_fingerprint=f"f{i}",
            confidence=None if i == 1 else 0.5 + i / 10, decision=decision,
            events=(EngineEvent(ts, "note", f"cycle {i}"),),
        )  # fmt: skip
        store.heartbeat(run, ts)
    store.heartbeat(run, at(60 + 60 * 4 + 1))
    store.add_order(first, request("o-old"))
    store.add_order(run, request("o1"))
    store.apply_order_event("o1", OrderEvent(OrderStatus.NEW, at(61), broker_order_id="B1"))
    store.apply_order_event("o1", fill_event("o1", 4.0, 100.0, OrderStatus.PARTIALLY_FILLED))
    store.apply_order_event("o1", fill_event("o1", 6.0, 101.0, OrderStatus.FILLED, minutes=2))
    limit = replace(
        request("o2", "BBB", Side.SELL, 5.0), order_type=OrderType.LIMIT, limit_price=49.5
    )
    store.add_order(run, limit)
    store.mark_submitted("o2", at(62))
    store.add_order(run, request("o3", "BBB", qty=1.0))
    store.apply_order_event("o3", OrderEvent(OrderStatus.CANCELED, at(63), message="user"))
    store.latch_halt("drawdown", "down 12%", ts=at(100), run_id=run, data={"clock": "wall"})
    store.latch_halt("reconciliation", "10 AAA nobody ordered", ts=at(101), details="x")
    store.clear_halt("ops", "reviewed", ts=at(102), halt_id=1)
    store.latch_halt("daily_loss", "down 3%", ts=at(103), run_id=first, data={"n": [1, 2.5]})
    store.save_state("service.meta.run-2", {"clock": "wall", "heartbeat_seconds": 60.0})
    store.save_state("nested", {"a": {"b": [1, None, "x"]}, "t": True})
    return first, run


def same(ours: object, theirs: object) -> None:
    """Equal, and equal in ``repr`` too: ``1 == True == 1.0`` would hide a wrongly typed value
    (the commands' JSON would show it)."""
    assert ours == theirs
    assert repr(ours) == repr(theirs)


def same_reads(store: Store, reader: StoreReader, runs: tuple[int, ...]) -> None:
    """Every read method of the reader returns what the store's returns."""
    assert reader.database == store.database
    same(reader.latest_run(), store.latest_run())
    for run in (*runs, None):
        same(reader.last_cycle(run), store.last_cycle(run))
        same(reader.current_regime(run), store.current_regime(run))
        same(reader.latest_positions(run), store.latest_positions(run))
        same(reader.open_orders(run), store.open_orders(run))
        same(reader.orders(run), store.orders(run))
        same(reader.last_trade(run), store.last_trade(run))
        same(reader.last_heartbeat(run), store.last_heartbeat(run))
    for run in runs:
        same(reader.run(run), store.run(run))
        same(reader.fills_by_id(run), store.fills_by_id(run))
        for start, end, every in ((T0, at(400), 60), (at(100), at(130), 600), (at(1), at(2), 1)):
            period = timedelta(seconds=every)
            same(reader.uptime(run, start, end, period), store.uptime(run, start, end, period))
            same(reader.uptime(None, start, end, period), store.uptime(None, start, end, period))
    same(reader.halts(), store.halts())
    same(reader.active_halts(), store.active_halts())
    for key in ("service.meta.run-2", "nested", "missing"):
        same(reader.load_state(key), store.load_state(key))
    with pytest.raises(StoreError, match="no run with id 99 in this database"):
        reader.run(99)
    with pytest.raises(StoreError, match="no run with id 99 in this database"):
        store.run(99)


def _check(url: str, backend: str) -> None:
    with Store(url, mode="simulated") as store:
        runs = populate(store)
        with open_reader(url) as reader:
            assert isinstance(reader, StoreReader)
            assert type(reader._db).__name__ == backend  # noqa: SLF001 - which path ran
            assert reader.orders(runs[1]) and reader.fills_by_id(runs[1])  # real content
            assert reader.last_cycle(runs[1]).orders  # type: ignore[union-attr]
            same_reads(store, reader, runs)


def test_the_reader_reads_what_the_store_reads_on_sqlite(db_url: str) -> None:
    _check(db_url, "_Sqlite")


def test_the_reader_reads_what_the_store_reads_on_postgres(pg_url: str) -> None:  # noqa: F811
    _check(pg_url, "_Alchemy")


def test_an_empty_database_reads_the_same(db_url: str) -> None:
    with Store(db_url, mode="simulated") as store, open_reader(db_url) as reader:
        assert reader.latest_run() is None and reader.last_cycle() is None
        assert reader.current_regime() is None and reader.latest_positions() == []
        assert reader.last_trade() is None and reader.last_heartbeat() is None
        assert reader.halts() == [] and reader.orders() == []
        assert reader.latest_positions() == store.latest_positions()


# --- opening ------------------------------------------------------------------------------
@pytest.fixture
def old_schema(tmp_path: Path) -> Iterator[str]:
    """A SQLite database one schema revision behind the newest."""
    from tradewind.store.migrate import known_revisions

    url = f"sqlite:///{tmp_path / 'old.db'}"
    Store(url, mode="simulated").close()
    previous = known_revisions()[-2]
    with sqlite3.connect(tmp_path / "old.db") as con:
        con.execute("UPDATE alembic_version SET version_num = ?", (previous,))
    yield url


def test_an_older_schema_is_refused_as_the_store_refuses_it(old_schema: str) -> None:
    with pytest.raises(StoreError) as by_store:
        Store(old_schema, mode=None, migrate=False)
    with pytest.raises(StoreError) as by_reader, open_reader(old_schema):
        pass
    assert str(by_reader.value) == str(by_store.value)
    assert "open it with migrate=True to upgrade" in str(by_reader.value)


def test_a_file_without_the_schema_is_refused_and_never_written(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    url = f"sqlite:///{path}"
    with pytest.raises(StoreError) as by_store:
        Store(url, mode=None, migrate=False)
    before = path.read_bytes()
    with pytest.raises(StoreError) as by_reader, open_reader(url):
        pass
    assert str(by_reader.value) == str(by_store.value)
    assert path.read_bytes() == before


def test_a_file_that_is_no_database_fails_as_with_the_store(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 200)
    url = f"sqlite:///{path}"
    with pytest.raises(Exception) as by_store:  # noqa: PT011 - whatever the store raises
        Store(url, mode=None, migrate=False)
    with pytest.raises(Exception) as by_reader, open_reader(url):  # noqa: PT011
        pass
    assert type(by_reader.value) is type(by_store.value)
    assert "file is not a database" in str(by_reader.value)
    assert isinstance(by_store.value, StoreError)  # a clear refusal, not a driver traceback
    assert "database.url" in str(by_store.value)  # ... that says what to do


def test_the_reader_never_writes(db_url: str) -> None:
    with Store(db_url, mode="simulated") as store:
        populate(store)
    with open_reader(db_url) as reader:
        assert isinstance(reader, StoreReader)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader._db.rows("DELETE FROM runs", {})  # noqa: SLF001


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///data/tradewind-paper.db",
        "sqlite:////abs/dir/tw.db",
        "sqlite+pysqlite:///rel/tw.db",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file::memory:?cache=shared",
        "sqlite:///tw.db?mode=memory&uri=true",
        "sqlite:///with%20space.db",
        "sqlite:///",
        "postgresql+psycopg://tw:secret@db.internal:5432/tw",
        "postgresql://localhost/tw",
    ],
)
def test_database_urls_are_parsed_as_sqlalchemy_parses_them(url: str) -> None:
    parsed = make_url(url)
    assert sqlite_file(url) == sqlite_path(parsed)
    assert backend_name(url) == parsed.get_backend_name()
