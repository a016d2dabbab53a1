"""A new, empty database created at the newest schema in one step, without alembic.

Running every migration from the first to create a database costs about half a second (alembic's
import, its script directory, each revision's DDL). A database without a single table instead
gets the models' tables (``Base.metadata.create_all``) and alembic's version table stamped with
the newest packaged revision (:func:`tradewind.store.revisions.packaged_head`), in ONE
transaction (``BEGIN IMMEDIATE`` on SQLite, the migrations' advisory lock on PostgreSQL), so a
crash leaves an empty database and two processes creating it at once create it once.

This is the schema the migrations build, table for table: ``tests/store/test_store_fresh.py``
compares a created database with a migrated one (on SQLite every statement ``sqlite_master``
keeps; on PostgreSQL alembic's comparison plus the catalog's columns, constraints and indexes)
and checks that the stamp is alembic's own head. Later migrations therefore upgrade a created
database exactly as they upgrade a migrated one. A database with any table (an older schema, a
foreign file) still goes through alembic, which upgrades or refuses it.
"""

from __future__ import annotations

from sqlalchemy import Column, Engine, MetaData, PrimaryKeyConstraint, String, Table, inspect, text

from tradewind.store.connect import WRITE_OPTION
from tradewind.store.revisions import VERSION_TABLE, packaged_head
from tradewind.store.schema import Base

PG_LOCK_KEY = 0x7472616465
"""The advisory lock that serializes schema changes on PostgreSQL (the migrations take it too)."""


def version_table() -> Table:
    """Alembic's version table as alembic creates it (``alembic.ddl.impl.version_table_impl``:
    ``version_num VARCHAR(32) NOT NULL``, primary key ``<table>_pkc``)."""
    return Table(
        VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )


def create_schema(engine: Engine) -> bool:
    """Create the newest schema in the database of ``engine`` if it has no table at all; True
    if it did, False (nothing written) if the database has tables or the packaged revisions are
    not one line (alembic then decides)."""
    head = packaged_head()
    if head is None:
        return False
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
            if inspect(conn).get_table_names():  # created meanwhile, or not ours: alembic's
                return False
            Base.metadata.create_all(conn, checkfirst=False)
            versions = version_table()
            versions.create(conn)
            conn.execute(versions.insert().values(version_num=head))
    return True
