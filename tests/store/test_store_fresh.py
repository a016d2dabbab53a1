"""A new database is created at the newest schema without alembic (:mod:`tradewind.store.fresh`),
and what it creates is exactly what the migrations build, so later migrations upgrade it alike."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from tradewind.store import Store, migrate, sqlite_schema
from tradewind.store import fresh as fresh_module
from tradewind.store.connect import make_engine
from tradewind.store.schema import Base
from tradewind.store.sqlite_writer import SqliteWriter


def _sqlite_schema(path: Path) -> list[tuple[Any, ...]]:
    """Every table, index and constraint as SQLite keeps it (its CREATE statements; a table's
    constraints as a set: ``create_all`` writes its unique constraints before its foreign keys,
    the migrations after, which SQLite does not distinguish), each table's columns, indexes and
    foreign keys as SQLite reads them, and the rows of every table (only the version table has
    any)."""
    with sqlite3.connect(path) as con:
        schema = con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        tables = [r[1] for r in schema if r[0] == "table"]
        out: list[tuple[Any, ...]] = [(*r[:3], _statement(r[3])) for r in schema]
        for t in tables:
            out.append(("columns", t, con.execute(f"PRAGMA table_xinfo({t})").fetchall()))
            keys = con.execute(f"PRAGMA foreign_key_list({t})").fetchall()
            out.append(("keys", t, sorted(k[1:] for k in keys)))  # not by definition order
            indexes = con.execute(f"PRAGMA index_list({t})").fetchall()
            for index in sorted(row[1:] for row in indexes):  # by name, not creation order
                parts = con.execute(f"PRAGMA index_xinfo({index[0]})").fetchall()
                out.append(("index", t, index, parts))
            out.append(("rows", t, con.execute(f"SELECT * FROM {t}").fetchall()))  # noqa: S608
    return out


def _statement(sql: str | None) -> tuple[Any, ...] | None:
    """A CREATE statement: its head and columns in order, its table constraints as a set
    (whitespace and quoting aside: a column added by a migration is appended to the previous
    line, a table rebuilt by a batch migration is ``CREATE TABLE IF NOT EXISTS "name"``)."""
    if sql is None or not sql.startswith("CREATE TABLE"):
        return (sql,)
    head, _, body = sql.partition("(")
    lines, depth, part = [], 0, ""
    for char in body.strip().removesuffix(")") + ",":  # split at the commas outside brackets
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            lines.append(" ".join(part.split()))
            part = ""
        else:
            part += char
    lines = [line for line in lines if line]
    head = " ".join(head.replace("IF NOT EXISTS", "").replace('"', "").split())  # batch rebuilds
    columns = [line for line in lines if not line.startswith("CONSTRAINT")]
    constraints = frozenset(line for line in lines if line.startswith("CONSTRAINT"))
    return head, tuple(columns), constraints


def _migrated(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def test_a_new_sqlite_database_is_the_migrated_one_stamped_at_alembics_head(
    tmp_path: Path,
) -> None:
    created, migrated = tmp_path / "created.db", tmp_path / "migrated.db"
    with Store(f"sqlite:///{created}", mode="paper") as store:
        assert store.schema_revision() == migrate.head_revision()
    _migrated(f"sqlite:///{migrated}")
    with sqlite3.connect(created) as con:  # the mode stamp is the store's, not the schema's
        con.execute("DELETE FROM meta")
    assert _sqlite_schema(created) == _sqlite_schema(migrated)
    assert any(r[0] == "index" for r in _sqlite_schema(created))  # not a vacuous comparison


def test_the_packaged_sqlite_statements_are_the_models_at_alembics_head() -> None:
    """Changing a model or adding a migration without ``python -m tradewind.store.fresh``
    fails here."""
    assert migrate.head_revision() == sqlite_schema.REVISION
    assert tuple(sqlite_schema.STATEMENTS) == tuple(fresh_module.sqlite_statements())


def test_the_stdlib_writer_opens_sqlite_as_the_store_does() -> None:
    from tradewind.store import connect, core, sqlite_writer

    assert sqlite_writer.DEFAULT_BUSY_TIMEOUT_S == connect.DEFAULT_BUSY_TIMEOUT_S
    assert sqlite_writer.MODE_KEY == core.MODE_KEY


def test_a_new_file_of_the_stdlib_writer_is_the_migrated_database(tmp_path: Path) -> None:
    created, migrated = tmp_path / "new" / "created.db", tmp_path / "migrated.db"
    writer = SqliteWriter.open(created, "backtest")
    assert writer is not None
    writer.commit()
    _migrated(f"sqlite:///{migrated}")
    with sqlite3.connect(created) as con:
        assert con.execute("SELECT key, value FROM meta").fetchall() == [("mode", "backtest")]
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        con.execute("DELETE FROM meta")
    assert _sqlite_schema(created) == _sqlite_schema(migrated)
    with Store(f"sqlite:///{created}", mode="backtest", migrate=False) as store:
        assert store.schema_revision() == migrate.head_revision()


def test_a_new_database_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    probe = (
        "import sys; from tradewind.store import Store; "
        f"s = Store({url!r}, mode='simulated'); print(s.latest_run()); s.close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines() == ["None", "[]"]
    with Store(url, mode="simulated") as store:
        assert store.schema_revision() == migrate.head_revision()


def test_a_created_database_migrates_down_and_up_like_a_migrated_one(tmp_path: Path) -> None:
    created, migrated = tmp_path / "created.db", tmp_path / "migrated.db"
    Store(f"sqlite:///{created}", mode="paper").close()
    _migrated(f"sqlite:///{migrated}")
    for path in (created, migrated):
        with sqlite3.connect(path) as con:
            con.execute("DELETE FROM meta")
        engine = make_engine(f"sqlite:///{path}")
        migrate.downgrade(engine, migrate.known_revisions()[0])
        migrate.upgrade(engine)
        engine.dispose()
    assert _sqlite_schema(created) == _sqlite_schema(migrated)


def test_a_database_with_tables_is_left_to_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine, migrate.known_revisions()[0])
    assert fresh_module.create_schema(engine) is False  # an older schema: not touched
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.known_revisions()[0]
    engine.dispose()
    with Store(url, mode="paper") as store:  # upgraded by alembic
        assert store.schema_revision() == migrate.head_revision()


def test_a_failed_creation_leaves_the_database_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tw.db"

    def broken() -> Any:
        raise RuntimeError("crash after the tables, before the stamp")

    monkeypatch.setattr(fresh_module, "version_table", broken)
    with pytest.raises(RuntimeError, match="before the stamp"):
        Store(f"sqlite:///{path}", mode="paper")
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT name FROM sqlite_master").fetchall() == []
    monkeypatch.undo()
    with Store(f"sqlite:///{path}", mode="paper") as store:
        assert store.schema_revision() == migrate.head_revision()


# --- PostgreSQL ------------------------------------------------------------------------------
CATALOG = {
    "columns": "SELECT table_name, column_name, ordinal_position, data_type, is_nullable, "
    "column_default, character_maximum_length FROM information_schema.columns "
    "WHERE table_schema = 'public' ORDER BY 1, 3",
    "constraints": "SELECT conrelid::regclass::text, conname, contype, "
    "pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
    "ORDER BY 1, 2",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
    "WHERE schemaname = 'public' ORDER BY 1, 2",
    "version": "SELECT version_num FROM alembic_version",
}


def _pg_catalog(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert list(compare_metadata(ctx, Base.metadata)) == []
        return {k: [tuple(r) for r in conn.execute(text(q))] for k, q in CATALOG.items()}


def test_a_new_postgres_database_is_the_migrated_one(pg_url: str) -> None:
    import psycopg

    name, host = pg_url.split("@/")[1].split("?host=")
    with psycopg.connect(host=host, user="tw", dbname="postgres") as conn:
        conn.autocommit = True
        conn.execute(f'CREATE DATABASE "{name}_migrated"')
    migrated = f"postgresql+psycopg://tw@/{name}_migrated?host={host}"
    _migrated(migrated)
    Store(pg_url, mode="paper").close()
    engines = [make_engine(pg_url), make_engine(migrated)]
    try:
        created, want = (_pg_catalog(e) for e in engines)
    finally:
        for e in engines:
            e.dispose()
    assert created["indexes"] and created["constraints"]
    assert created == want
    assert created["version"] == [(migrate.head_revision(),)]
