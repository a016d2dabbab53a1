"""Writing many rows into a SQLite store with Python's own ``sqlite3``, in one transaction.

The backtest archive (:mod:`tradewind.review.archive`) writes some 60,000 rows at once into a
SQLite file; SQLAlchemy (about a sixth of a second to import) and its per-row parameter handling
cost more than the database's own work. :meth:`SqliteWriter.open` opens the file as the store's
engine opens it (:mod:`tradewind.store.connect`: busy timeout, foreign keys, WAL,
``synchronous=FULL``) and starts a write transaction (``BEGIN IMMEDIATE``) - but only for a file
at exactly the newest packaged schema revision that belongs to the writer's mode (a file not
stamped yet is stamped in the same transaction, as the store stamps it), or a new one (created
at the newest schema in the same transaction, as :mod:`tradewind.store.fresh` creates it; its
non-unique indexes at the commit). The transaction runs with a rollback journal when no other
connection has the file open, the file switched back to WAL after it (see
:meth:`SqliteWriter._journal`).
Anything else returns None, and the caller opens :class:`~tradewind.store.Store`, which upgrades
or refuses the database with its own messages, then tries again.

Values are encoded as the store's column types encode them on SQLite: times
(:class:`~tradewind.store.coltypes.UTCDateTime`) as UTC wall time text, JSON as
``json.dumps`` text, None as NULL; :mod:`tradewind.store.reader` decodes them back. Secrets
are masked in every text and JSON value written, as the store masks what it writes
(:class:`~tradewind.store.redaction.RowMasker`); a column of kind :data:`NUMBER` holds no text
and is not looked at. The tests compare a backtest archived through this writer with one
archived through SQLAlchemy, every row of every table (``tests/review/test_archive_rows.py``).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradewind.store import sqlite_schema
from tradewind.store.errors import ModeMismatchError
from tradewind.store.redaction import RowMasker
from tradewind.store.revisions import VERSION_TABLE, packaged_head
from tradewind.store.utc import utc_datetime

TIME = "time"
"""Column kind: a tz-aware time (:class:`~tradewind.store.coltypes.UTCDateTime`)."""
JSON = "json"
"""Column kind: a JSON document (:data:`~tradewind.store.coltypes.JSONType`)."""
NUMBER = "number"
"""Column kind: a number or a boolean (it cannot hold a secret: never masked)."""
Columns = Mapping[str, str | None]
"""A table's columns to write, in order, with their kind (:data:`TIME`, :data:`JSON`,
:data:`NUMBER`, or None for text)."""

DEFAULT_BUSY_TIMEOUT_S = 30.0  # as tradewind.store.connect's (not imported: it loads SQLAlchemy)
WAL_SWITCH_WAIT_MS = 1000  # how long a new file's switch to WAL waits for another connection
CACHE_KIB = 64 * 1024
"""The page cache of a writer's connection (KiB; SQLite's default is 2 MiB): an archive's new
pages stay in memory until the commit instead of spilling to the journal part way through. Only
memory: the transaction and what a crash leaves behind are the same."""
MODE_KEY = "mode"  # the meta row of the database's mode, as tradewind.store.core writes it


def encode_time(value: datetime | None) -> str | None:
    """``value`` as the store keeps a time on SQLite: UTC wall time,
    ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive times are refused, as the store refuses them)."""
    if type(value) is datetime and value.tzinfo is UTC:
        # Fast path for a time already in UTC (the archive converts each one first): its ISO
        # text ends in "+00:00"; without it, it is the text of the wall time below.
        return value.isoformat(" ", "microseconds")[:-6]
    utc = utc_datetime(value)
    return None if utc is None else utc.replace(tzinfo=None).isoformat(" ", "microseconds")


class SqliteWriter:
    """One write transaction on a SQLite store file (see the module docstring); use
    :meth:`open`, then :meth:`commit` or :meth:`rollback` (``with`` does either). Every text
    and JSON value written is masked by ``masker``."""

    def __init__(self, con: sqlite3.Connection, database: str, masker: RowMasker) -> None:
        self.con = con
        self.database = database
        self.masker = masker
        self.new = False
        """Whether :meth:`open` created the file."""
        self.rollback_journal = False
        """Whether the transaction runs with a rollback journal, the file switched to WAL after
        it (see :meth:`_journal`)."""
        self._times: dict[datetime, str | None] = {}
        self._indexes: list[str] = []
        """A new file's non-unique indexes, created by :meth:`commit` in the same transaction:
        building one from the rows costs less than keeping it up to date row by row, and a
        reader sees the file only once they are there. (Unique constraints are kept from the
        start, with their tables.)"""

    @classmethod
    def open(
        cls,
        path: Path,
        mode: str,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S,
        *,
        secrets: Iterable[str] = (),
    ) -> SqliteWriter | None:
        """A write transaction on the store at ``path`` for ``mode``, masking ``secrets`` (the
        credentials' values) and credential-shaped text in everything written; None when the
        file cannot be read by ``sqlite3`` or is not at the newest schema revision. A missing
        file (or one without a table) is created at the newest schema in the same transaction,
        from the statements of :mod:`tradewind.store.sqlite_schema`, as the store creates one.

        Raises
        ------
        ModeMismatchError
            The database belongs to another mode.
        """
        head = packaged_head()
        if head is None:
            return None
        new = not path.exists()
        try:
            if new:
                path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(
                path.absolute().as_uri() + ("?mode=rwc" if new else "?mode=rw"),
                uri=True,
                timeout=busy_timeout,
            )
        except (OSError, sqlite3.Error):
            return None
        writer = cls(con, str(path), RowMasker(secrets))
        writer.new = new
        try:
            con.isolation_level = None  # transactions are ours, as SQLAlchemy's are in the store
            con.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000):d}")
            con.execute("PRAGMA foreign_keys = ON")
            writer._journal(int(busy_timeout * 1000))
            con.execute("PRAGMA synchronous = FULL")
            con.execute(f"PRAGMA cache_size = -{CACHE_KIB:d}")
            con.execute("BEGIN IMMEDIATE")
            if not writer._ready(head, mode):
                writer.close()
                return None
        except sqlite3.DatabaseError:
            writer.close()
            return None
        except BaseException:
            writer.close()
            raise
        return writer

    def _ready(self, head: str, mode: str) -> bool:
        tables = {r[0] for r in self.con.execute("SELECT name FROM sqlite_master")}
        if not tables:  # a new database: the store's newest schema, stamped
            if head != sqlite_schema.REVISION:  # pragma: no cover - a test keeps them equal
                return False
            for statement in sqlite_schema.STATEMENTS:
                if statement.startswith(_INDEX):  # built at the commit, from the rows
                    self._indexes.append(statement)
                else:
                    self.con.execute(statement)
            tables = {VERSION_TABLE, "meta"}
        if VERSION_TABLE not in tables or "meta" not in tables:
            return False
        versions = self.con.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()  # noqa: S608 - a constant
        if len(versions) != 1 or str(versions[0][0]) != head:
            return False
        found = self.con.execute("SELECT value FROM meta WHERE key = ?", (MODE_KEY,)).fetchone()
        if found is None:
            self.con.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (MODE_KEY, mode))
        elif found[0] != mode:
            raise ModeMismatchError(self.database, str(found[0]), mode)
        return True

    # --- writing -------------------------------------------------------------------------
    def time(self, value: datetime) -> str | None:
        """``value`` as the parameter of a :data:`TIME` column (each distinct time encoded
        once per transaction: a bar's time repeats on every row of that bar)."""
        found = self._times.get(value)
        if found is None:
            found = self._times[value] = encode_time(value)
        return found

    def insert(self, table: str, columns: Columns, rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` (tuples in the order of ``columns``, times from :meth:`time`) into
        ``table``, one ``executemany``; texts masked and JSON encoded column by column."""
        if not rows:
            return
        kinds = list(columns.values())
        rows = self.masker.rows(rows, [i for i, kind in enumerate(kinds) if kind is None])
        documents = [i for i, kind in enumerate(kinds) if kind == JSON]
        if documents:
            cols: list[Sequence[Any]] = list(zip(*rows, strict=True))
            for i in documents:
                cols[i] = self.masker.document_texts(cols[i])
            rows = list(zip(*cols, strict=True))
        self.con.executemany(_insert_sql(table, columns), rows)

    def insert_one(self, table: str, columns: Columns, row: Sequence[Any]) -> int:
        """Insert one row into ``table`` (times from :meth:`time`); its new id."""
        cursor = self.con.execute(_insert_sql(table, columns), self._values(columns, row))
        if cursor.lastrowid is None:  # pragma: no cover - an INSERT always sets it
            raise RuntimeError(f"no id for the new row of {table}")
        return int(cursor.lastrowid)

    def update(self, table: str, row_id: int, columns: Columns, row: Sequence[Any]) -> None:
        """Set ``columns`` of row ``row_id`` of ``table`` to ``row`` (times from :meth:`time`)."""
        sets = ", ".join(f"{c} = ?" for c in columns)
        values = self._values(columns, row)
        self.con.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*values, row_id])  # noqa: S608 - fixed names

    def delete(self, table: str, column: str, value: Any) -> None:
        """Delete the rows of ``table`` whose ``column`` (a text) equals ``value`` (masked, as
        it was written)."""
        sql = f"DELETE FROM {table} WHERE {column} = ?"  # noqa: S608 - fixed names
        self.con.execute(sql, (self.masker.value(value),))

    def _values(self, columns: Columns, row: Sequence[Any]) -> list[Any]:
        """One row's parameters: texts masked, JSON masked and encoded."""
        texts = [i for i, kind in enumerate(columns.values()) if kind is None]
        (masked,) = self.masker.rows([row], texts)
        return [
            self.masker.document_texts([v])[0] if kind == JSON else v
            for kind, v in zip(columns.values(), masked, strict=True)
        ]

    def ids(self, table: str, key: str, run_id: int) -> list[tuple[Any, int]]:
        """``(key, id)`` of the rows of run ``run_id`` in ``table``, in id order."""
        sql = f"SELECT {key}, id FROM {table} WHERE run_id = ? ORDER BY id"  # noqa: S608 - fixed names
        return [(k, int(i)) for k, i in self.con.execute(sql, (run_id,))]

    # --- ending --------------------------------------------------------------------------
    def commit(self) -> None:
        """Commit the transaction and close the connection (switched back to WAL journaling
        first, as the store keeps every file, when it ran with a rollback journal)."""
        try:
            for statement in self._indexes:
                self.con.execute(statement)
            self.con.execute("COMMIT")
            if self.rollback_journal:
                self._to_wal()
        finally:
            self.con.close()

    def _journal(self, busy_timeout_ms: int) -> None:
        """Pick the transaction's journal: a rollback journal when nobody else has the file
        open, else WAL, as the store's connections set it.

        Why: WAL writes every page twice (to the log, then to the file at the checkpoint that
        follows a large commit), while a rollback journal keeps only the pages that existed
        before the transaction - an archive mostly appends new ones (a new file: none at all).
        It is as safe: the writing is one transaction either way, and a crash part way leaves
        the journal behind for the next connection (every one of tradewind's opens the file
        read-write) to roll the file back, as the tests check. SQLite leaves WAL only when no
        other connection has the file open; it is asked without waiting, and keeps WAL if not.
        """
        if self.new:  # no other connection can be using a file this open created
            self.rollback_journal = True
            return
        self.con.execute("PRAGMA busy_timeout = 0")
        try:
            found = self.con.execute("PRAGMA journal_mode = DELETE").fetchone()
            self.rollback_journal = found is not None and str(found[0]).lower() == "delete"
        except sqlite3.OperationalError:  # another connection has it open: WAL, as today
            self.rollback_journal = False
        finally:
            self.con.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
        if not self.rollback_journal:
            self.con.execute("PRAGMA journal_mode = WAL")

    def _to_wal(self) -> None:
        """Switch the file back to WAL, as the store's connections keep it
        (:mod:`tradewind.store.connect`). When another connection holds the file for more
        than a second, the switch is left to the next connection: the store's and this
        writer's each set WAL."""
        self.con.execute(f"PRAGMA busy_timeout = {WAL_SWITCH_WAIT_MS:d}")
        with contextlib.suppress(sqlite3.OperationalError):  # busy: the next connection does it
            self.con.execute("PRAGMA journal_mode = WAL")

    def rollback(self) -> None:
        """Drop everything written and close the connection."""
        self.close()

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back; a file that existed
        before is switched back to WAL, a new one stays empty)."""
        try:
            if self.con.in_transaction:
                self.con.execute("ROLLBACK")
            if self.rollback_journal and not self.new:
                self._to_wal()
        finally:
            self.con.close()

    def __enter__(self) -> SqliteWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()


_INDEX = "CREATE INDEX "


def _insert_sql(table: str, columns: Columns) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - fixed names
