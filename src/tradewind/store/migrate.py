"""Schema migrations through alembic's programmatic API; the scripts ship in ``migrations/``.

An upgrade runs in one transaction (SQLite included: SQLAlchemy emits ``BEGIN``, so DDL is
transactional), with foreign keys off on SQLite around table rebuilds and a
``PRAGMA foreign_key_check`` before commit, so it either completes with every row and reference
intact or leaves the database as it was. Before upgrading an existing SQLite file the store also
copies it to ``<file>.bak-<revision>`` (see :func:`backup_sqlite`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from tradewind.store.connect import WRITE_OPTION, set_sqlite_foreign_keys
from tradewind.store.errors import SchemaTooNewError, StoreError
from tradewind.store.fresh import PG_LOCK_KEY

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_PG_LOCK_KEY = PG_LOCK_KEY  # "trade": serializes concurrent migrations on PostgreSQL


def alembic_config(
    connection: Connection | None = None, script_location: Path | None = None
) -> Config:
    """An alembic :class:`Config` for the packaged scripts, bound to ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def known_revisions() -> list[str]:
    """Every revision of the packaged scripts, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def head_revision() -> str:
    """The newest revision of the packaged scripts."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise StoreError("no migration scripts found in the tradewind package")
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    return MigrationContext.configure(conn).get_current_revision()


def check_known(revision: str | None, database: str) -> None:
    """Raise :class:`SchemaTooNewError` if ``revision`` is unknown to this tradewind."""
    if revision is not None and revision not in known_revisions():
        raise SchemaTooNewError(
            f"database {database} is at schema revision {revision!r}, which this tradewind "
            f"does not know (newest known: {head_revision()!r}); it was written by a newer "
            "tradewind: upgrade tradewind, or point database.url at another database"
        )


def upgrade(engine: Engine, revision: str = "head", *, database: str = "the database") -> None:
    """Upgrade the database to ``revision`` in one transaction."""
    _run(engine, lambda cfg: command.upgrade(cfg, revision), database)


def downgrade(engine: Engine, revision: str, *, database: str = "the database") -> None:
    """Downgrade the database to ``revision`` in one transaction (developers and tests only)."""
    _run(engine, lambda cfg: command.downgrade(cfg, revision), database)


def autogenerate(message: str, rev_id: str, *, script_location: Path | None = None) -> Path:
    """Write a new revision comparing the models with the newest schema (developers only).

    The draft lands in ``migrations/versions/`` as ``v<rev_id>_<slug>.py``. Review it: use
    ``batch_alter_table`` for changes to existing tables, write plain SQLAlchemy types
    (``sa.DateTime(timezone=True)``, ``sa.JSON()``) instead of ``tradewind.store.coltypes``, and
    add a test with data before and after, as in ``tests/store/test_store_migrations.py``.
    Then regenerate the stdlib writer's copy of the schema (``python -m tradewind.store.fresh``,
    then ``make format``): ``tests/store/test_store_fresh.py`` fails until it matches.
    """
    from tradewind.store.connect import make_engine

    engine = make_engine("sqlite://")
    try:
        upgrade(engine)
        with engine.connect() as conn:
            cfg = alembic_config(conn, script_location)
            cfg.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
            script = command.revision(cfg, message, autogenerate=True, rev_id=rev_id)
    finally:
        engine.dispose()
    if script is None or isinstance(script, list):  # pragma: no cover - one head, one script
        raise StoreError("alembic did not write exactly one revision")
    return Path(script.path)


def _run(engine: Engine, step: Callable[[Config], None], database: str) -> None:
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            set_sqlite_foreign_keys(conn, False)
        try:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                check_known(current_revision(conn), database)
                step(alembic_config(conn))
                if sqlite:
                    _check_foreign_keys(conn, database)
        finally:
            if sqlite:
                set_sqlite_foreign_keys(conn, True)


def _check_foreign_keys(conn: Connection, database: str) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        sample = ", ".join(f"{row[0]} row {row[1]} -> {row[2]}" for row in broken[:5])
        raise StoreError(
            f"migrating {database} would break {len(broken)} foreign key(s) ({sample}); "
            "the upgrade was rolled back and the database is unchanged"
        )


def backup_sqlite(path: Path, revision: str) -> Path:
    """Copy the SQLite file at ``path`` (consistently, WAL included) to ``<path>.bak-<revision>``.

    An existing backup of the same revision is kept, not overwritten: it is the older, safer copy.
    """
    dest = path.with_name(f"{path.name}.bak-{revision}")
    if dest.exists():
        return dest
    tmp = dest.with_name(dest.name + ".tmp")
    src = sqlite3.connect(path)
    try:
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
    tmp.replace(dest)
    return dest
