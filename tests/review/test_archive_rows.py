"""The backtest archive writes exactly the rows it wrote before issue 28's fourth round.

``archive_reference.py`` is the former archive (the run started and ended by the store's own
methods, every table through SQLAlchemy's Core insert). The same backtest is archived by it and
by the new writers - Python's ``sqlite3`` (:func:`tradewind.review.archive.record` on a SQLite
file) and SQLAlchemy (:func:`tradewind.review.archive.archive_backtest`, any database) - on SQLite
and PostgreSQL, and every row of every table is compared, as the driver returns it. Only the
wall-clock columns differ (when the run started and ended, its tag derived from the start, the
state's update time); they are checked for what they must be instead.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import archive_reference
import pandas as pd
import pytest
from backtestkit import stops_backtest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, Boolean, Float, Integer, Numeric, insert, text

from tradewind.backtest.runner import BacktestRun
from tradewind.domain.types import TradingMode
from tradewind.engine.ids import run_tag
from tradewind.review import archive
from tradewind.store import Store
from tradewind.store.coltypes import UTCDateTime
from tradewind.store.schema import Base, HeartbeatRow
from tradewind.store.sqlite_writer import JSON as JSON_KIND
from tradewind.store.sqlite_writer import NUMBER, TIME, SqliteWriter, encode_time

ET = "America/New_York"
MODE = TradingMode.BACKTEST.value
TABLES = (
    "meta", "runs", "cycles", "equity_snapshots", "positions", "costs", "orders", "fills",
    "events", "state", "alembic_version",
)  # fmt: skip
WALL_CLOCK = {"runs": ("started_at", "ended_at", "run_tag"), "state": ("updated_at",)}


@pytest.fixture(scope="module")
def run() -> BacktestRun:
    """Nine months of four stocks with trailing stops: decisions with several orders, fills,
    stop exits merged with rebalances, refusals and events."""
    return stops_backtest()


def dump(url: str) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[dict[str, Any]]]]:
    """Every row of the archive's tables as the driver returns it, in key order, without the
    wall-clock columns; and those columns apart."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    clocks: dict[str, list[dict[str, Any]]] = {}
    with Store(url, mode=MODE) as store, store.engine.connect() as conn:
        for t in TABLES:
            result = conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))  # noqa: S608
            names = list(result.keys())
            skip = WALL_CLOCK.get(t, ())
            found = [dict(zip(names, r, strict=True)) for r in result]
            rows[t] = [tuple(v for k, v in r.items() if k not in skip) for r in found]
            clocks[t] = [{k: r[k] for k in skip} for r in found]
    return rows, clocks


def reference(url: str, run: BacktestRun, times: int = 1) -> None:
    with Store(url, mode=MODE) as store:
        for _ in range(times):
            archive_reference.archive_backtest(store, run, "bt")


def assert_same(got: str, want: str, run: BacktestRun) -> None:
    new, new_clocks = dump(got)
    old, _ = dump(want)
    assert all(old[t] for t in TABLES)  # every table has rows: the comparison is not vacuous
    assert len(old["positions"]) > len(old["cycles"])
    for table in TABLES:
        assert new[table] == old[table], table
    for clock in new_clocks["runs"]:  # the tag is derived from the start, as before
        started = clock["started_at"]
        started = datetime.fromisoformat(started) if isinstance(started, str) else started
        started = started.replace(tzinfo=UTC) if started.tzinfo is None else started
        started = started.astimezone(UTC)  # PostgreSQL answers in its own zone
        assert clock["run_tag"] == run_tag(f"{run.fingerprint}|bt|{started.isoformat()}")
        assert clock["ended_at"] is not None and clock["ended_at"] >= clock["started_at"]


def test_sqlite_archives_store_the_rows_the_former_archive_stored(
    run: BacktestRun, tmp_path: Path
) -> None:
    """A new database (created by the store, then written by sqlite3), the same database again
    (a second run: the client order ids, cycle and order ids follow), and SQLAlchemy's path."""
    old, stdlib, engine = (f"sqlite:///{tmp_path / n}.db" for n in ("old", "stdlib", "engine"))
    reference(old, run, times=2)
    for _ in range(2):
        assert archive.record(stdlib, run, "bt", mode=MODE)["database"] == str(
            tmp_path / "stdlib.db"
        )
    with Store(engine, mode=MODE) as store:
        assert [archive.archive_backtest(store, run, "bt") for _ in range(2)] == [1, 2]
    assert_same(stdlib, old, run)
    assert_same(engine, old, run)


def test_postgres_archive_stores_the_rows_the_former_archive_stored(
    run: BacktestRun, pg_url: str
) -> None:
    import psycopg

    name, host = pg_url.split("@/")[1].split("?host=")
    with psycopg.connect(host=host, user="tw", dbname="postgres") as conn:
        conn.autocommit = True
        conn.execute(f'CREATE DATABASE "{name}_old"')
    old, new = f"postgresql+psycopg://tw@/{name}_old?host={host}", pg_url
    reference(old, run, times=2)
    for _ in range(2):
        archive.record(new, run, "bt", mode=MODE)  # through the store's engine
    assert_same(new, old, run)


def test_the_column_kinds_are_the_store_column_types() -> None:
    for table, columns in archive.TABLES.items():
        model = Base.metadata.tables[table]
        for name, kind in columns.items():
            column_type = model.c[name].type
            assert (kind == TIME) == isinstance(column_type, UTCDateTime), (table, name)
            assert (kind == JSON_KIND) == isinstance(column_type, JSON), (table, name)
            numeric = isinstance(column_type, Integer | Float | Numeric | Boolean)  # never masked
            assert (kind == NUMBER) == numeric, (table, name)


def test_times_are_encoded_as_sqlalchemy_stores_them(tmp_path: Path) -> None:
    east = timezone(timedelta(hours=-5))
    values = [
        datetime(2024, 3, 1, 21, 0, tzinfo=UTC),
        datetime(2024, 3, 1, 16, 0, 0, 7, tzinfo=east),
        pd.Timestamp("2024-03-01 16:00:00.000001234", tz=ET),
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
    ]
    with Store(f"sqlite:///{tmp_path / 't.db'}", mode=MODE) as store:
        run_id = store.start_run(name="t", started_at=values[0], symbols=[], initial_cash=1.0)
        with store.engine.begin() as conn:  # SQLAlchemy converts through the column type
            conn.execute(
                insert(HeartbeatRow),
                [{"run_id": run_id, "ts": v, "component": "x"} for v in values],
            )
            stored = [r[0] for r in conn.execute(text("SELECT ts FROM heartbeats ORDER BY id"))]
    assert stored == [encode_time(v) for v in values]
    with pytest.raises(ValueError, match="naive"):
        encode_time(datetime(2024, 1, 1))  # noqa: DTZ001 - refused, as the store refuses it


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(
    moment=st.datetimes(
        max_value=datetime(9999, 12, 30),  # noqa: DTZ001 - a bound: the zones come apart
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
    ),
)
def test_the_fast_path_for_utc_times_encodes_as_the_conversion_does(moment: datetime) -> None:
    """A time in UTC skips the conversion (``encode_time``'s fast path): the same text."""
    converted = moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    assert encode_time(moment) == converted
    assert encode_time(moment.astimezone(UTC)) == converted


def test_an_error_part_way_leaves_no_trace_of_the_run(
    run: BacktestRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'bt.db'}"
    archive.record(url, run, "bt", mode=MODE)
    before = dump(url)[0]
    insert = SqliteWriter.insert

    def failing(self: SqliteWriter, table: str, *args: Any) -> None:
        if table == "fills":
            raise RuntimeError("disk on fire")
        insert(self, table, *args)

    monkeypatch.setattr(SqliteWriter, "insert", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        archive.record(url, run, "bt", mode=MODE)
    assert dump(url)[0] == before


def test_an_error_in_a_new_file_leaves_it_empty_and_usable(
    run: BacktestRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bt.db"
    insert = SqliteWriter.insert

    def failing(self: SqliteWriter, table: str, *args: Any) -> None:
        if table == "positions":
            raise RuntimeError("disk on fire")
        insert(self, table, *args)

    monkeypatch.setattr(SqliteWriter, "insert", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        archive.record(f"sqlite:///{path}", run, "bt", mode=MODE)
    with sqlite3.connect(path) as con:  # not even the schema: the creation was rolled back too
        assert con.execute("SELECT name FROM sqlite_master").fetchall() == []
    monkeypatch.undo()
    assert archive.record(f"sqlite:///{path}", run, "bt", mode=MODE)["run_id"] == 1


def test_an_older_schema_is_upgraded_by_the_store_first(run: BacktestRun, tmp_path: Path) -> None:
    from tradewind.store import migrate
    from tradewind.store.connect import make_engine

    url = f"sqlite:///{tmp_path / 'bt.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine, migrate.known_revisions()[0])
    engine.dispose()
    assert archive.record(url, run, "bt", mode=MODE)["run_id"] == 1
    with Store(url, mode=MODE, migrate=False) as store:
        assert store.schema_revision() == migrate.head_revision()
        assert len(store.cycles(1)) == len(run.summary.recorder.ts)
    assert (tmp_path / f"bt.db.bak-{migrate.known_revisions()[0]}").exists()  # backed up first


def _archive_then_hang(url: str, run: BacktestRun, ready: Any) -> None:  # pragma: no cover
    insert = SqliteWriter.insert

    def hanging(self: SqliteWriter, table: str, *args: Any) -> None:
        insert(self, table, *args)
        if table == "orders":  # cycles, snapshots and orders written, not committed
            ready.send("INSIDE")
            time.sleep(600)

    SqliteWriter.insert = hanging  # type: ignore[method-assign]
    archive.record(url, run, "bt", mode=MODE)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="forks a writer to SIGKILL"
)
@pytest.mark.parametrize("reader", [False, True], ids=["alone", "with-a-reader"])
def test_a_writer_killed_part_way_leaves_no_trace_of_the_run(
    run: BacktestRun, tmp_path: Path, reader: bool
) -> None:
    """Alone, the writer runs with a rollback journal; with another connection open on the
    file (a dashboard, a report), with WAL, as the store does. Either way, killed part way,
    nothing of the run is left and the file ends in WAL mode."""
    path = tmp_path / "bt.db"
    url = f"sqlite:///{path}"
    archive.record(url, run, "bt", mode=MODE)
    before = dump(url)[0]
    other = sqlite3.connect(path) if reader else None
    if other is not None:
        assert other.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    child = ctx.Process(target=_archive_then_hang, args=(url, run, theirs))
    child.start()
    assert mine.poll(120) and mine.recv() == "INSIDE"
    journal = "wal" if reader else "journal"
    assert [p.name for p in tmp_path.glob("bt.db-*") if p.name != "bt.db-shm"] == [
        f"bt.db-{journal}"
    ]
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    if other is not None:
        other.close()
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert dump(url)[0] == before
    assert archive.record(url, run, "bt", mode=MODE)["run_id"] == 2  # the next one is whole
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="forks a writer to SIGKILL"
)
def test_a_writer_killed_part_way_through_a_new_file_leaves_it_empty(
    run: BacktestRun, tmp_path: Path
) -> None:
    """A new file is written with a rollback journal (then switched to WAL): killed part way,
    the journal left behind rolls it back to empty, and the next archive writes it whole."""
    path = tmp_path / "bt.db"
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    child = ctx.Process(target=_archive_then_hang, args=(f"sqlite:///{path}", run, theirs))
    child.start()
    assert mine.poll(120) and mine.recv() == "INSIDE"
    assert child.pid is not None
    assert (tmp_path / "bt.db-journal").exists()  # the schema and rows so far, not committed
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    with sqlite3.connect(path) as con:  # the hot journal is rolled back on the first read
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT name FROM sqlite_master").fetchall() == []
    assert archive.record(f"sqlite:///{path}", run, "bt", mode=MODE)["run_id"] == 1
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert con.execute("SELECT count(*) FROM cycles").fetchone() == (
            len(run.summary.recorder.ts),
        )


def test_a_new_file_ends_as_the_store_creates_one(run: BacktestRun, tmp_path: Path) -> None:
    """WAL journaling and every index, those built at the end included."""
    path, store_made = tmp_path / "bt.db", tmp_path / "store.db"
    archive.record(f"sqlite:///{path}", run, "bt", mode=MODE)
    Store(f"sqlite:///{store_made}", mode=MODE).close()
    assert not (tmp_path / "bt.db-journal").exists()
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
    with sqlite3.connect(path) as con, sqlite3.connect(store_made) as ref:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert con.execute(schema).fetchall() == ref.execute(schema).fetchall()
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_database_of_another_mode_is_refused(run: BacktestRun, tmp_path: Path) -> None:
    from tradewind.store import ModeMismatchError

    url = f"sqlite:///{tmp_path / 'paper.db'}"
    Store(url, mode="paper").close()
    with pytest.raises(ModeMismatchError, match="belongs to mode 'paper'"):
        archive.record(url, run, "bt", mode=MODE)


def test_recording_into_a_sqlite_file_needs_no_sqlalchemy(run: BacktestRun, tmp_path: Path) -> None:
    """A new file, then the same file again: neither SQLAlchemy nor alembic is imported."""
    import pickle

    url = f"sqlite:///{tmp_path / 'data' / 'bt.db'}"
    finished = dataclasses.replace(run, engine=None)  # what the archive reads, picklable
    (tmp_path / "run.pickle").write_bytes(pickle.dumps(finished))
    probe = (
        "import pickle, sys; from tradewind.review.archive import record; "
        f"run = pickle.loads(open({str(tmp_path / 'run.pickle')!r}, 'rb').read()); "
        f"print(record({url!r}, run, 'bt', mode={MODE!r})['run_id']); "
        f"print(record({url!r}, run, 'bt', mode={MODE!r})['run_id']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.splitlines() == ["1", "2", "[]"]
    with Store(url, mode=MODE, migrate=False) as store:  # a store at the newest schema
        assert [r.id for r in store.runs()] == [1, 2]
