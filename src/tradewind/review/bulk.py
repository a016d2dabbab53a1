"""Many rows into the store's tables through a SQLAlchemy connection, values converted as
SQLAlchemy would convert them, one ``executemany`` per table.

The backtest archive writes a SQLite file through :class:`~tradewind.store.sqlite_writer.
SqliteWriter` (Python's ``sqlite3``); any other database (PostgreSQL, an in-memory SQLite) goes
through :class:`EngineWriter`, which has the same methods. ``conn.execute(insert(table), rows)``
would spend most of its time in SQLAlchemy's per-row parameter handling; here the insert is
compiled once for the connection's dialect, each column's own bind processor (the function
SQLAlchemy would call: UTC timestamps, JSON, booleans) converts the column's values in one pass
(a time, or an empty JSON list or object, once per distinct value), and the driver receives the
finished parameters in one ``executemany``. The stored rows are the ones the Core insert stores
(``tests/review/test_archive_rows.py`` compares both on SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Connection

from tradewind.store.schema import Base
from tradewind.store.sqlite_writer import Columns


class EngineWriter:
    """Writes to the store's tables on ``conn`` (in the caller's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def time(self, value: datetime) -> datetime:
        """``value`` as the parameter of a time column: itself (the column type converts it)."""
        return value

    def insert(self, table: str, columns: Columns, rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` (tuples in the order of ``columns``) into ``table``, one
        ``executemany`` with each column converted in one pass."""
        if not rows:
            return
        target = _table(table)
        dialect = self.conn.dialect
        keys = list(columns)
        compiled = insert(target).compile(dialect=dialect, column_keys=keys)
        order: list[str] = list(compiled.positiontup or ()) if compiled.positional else keys
        if sorted(order) != sorted(keys):  # Python-side defaults to fill in: the Core insert
            self.conn.execute(insert(target), [dict(zip(keys, r, strict=True)) for r in rows])
            return
        position = {k: i for i, k in enumerate(keys)}
        cols = [_convert(target, k, [r[position[k]] for r in rows], dialect) for k in order]
        if compiled.positional:
            params: list[Any] = list(zip(*cols, strict=True))
        else:
            params = [dict(zip(order, values, strict=True)) for values in zip(*cols, strict=True)]
        self.conn.exec_driver_sql(compiled.string, params)

    def insert_one(self, table: str, columns: Columns, row: Sequence[Any]) -> int:
        """Insert one row into ``table``; its new id."""
        result = self.conn.execute(insert(_table(table)), dict(zip(columns, row, strict=True)))
        key = result.inserted_primary_key
        if key is None:  # pragma: no cover - every table written here has an id
            raise RuntimeError(f"no id for the new row of {table}")
        return int(key[0])

    def update(self, table: str, row_id: int, columns: Columns, row: Sequence[Any]) -> None:
        """Set ``columns`` of row ``row_id`` of ``table`` to ``row``."""
        target = _table(table)
        values = dict(zip(columns, row, strict=True))
        self.conn.execute(update(target).where(target.c.id == row_id).values(**values))

    def delete(self, table: str, column: str, value: Any) -> None:
        """Delete the rows of ``table`` whose ``column`` equals ``value``."""
        target = _table(table)
        self.conn.execute(target.delete().where(target.c[column] == value))

    def ids(self, table: str, key: str, run_id: int) -> list[tuple[Any, int]]:
        """``(key, id)`` of the rows of run ``run_id`` in ``table``, in id order."""
        target = _table(table)
        q = select(target.c[key], target.c.id).where(target.c.run_id == run_id)
        return [(k, int(i)) for k, i in self.conn.execute(q.order_by(target.c.id))]


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _convert(table: Table, key: str, values: list[Any], dialect: Any) -> Sequence[Any]:
    """``values`` of column ``key`` through the column type's bind processor (a time, or an
    empty JSON list or object, converted once per distinct value; floats always each)."""
    column_type = table.c[key].type
    processor: Callable[[Any], Any] | None = column_type.dialect_impl(dialect).bind_processor(
        dialect
    )
    if processor is None:
        return values
    memo: dict[Any, Any] = {}
    out = []
    for v in values:
        kind = type(v)
        if kind is datetime:
            memo_key: Any = (v, v.tzinfo)  # same instant, other zone: converted apart
        elif (kind is list or kind is dict) and not v:
            memo_key = kind
        else:
            out.append(processor(v))
            continue
        if memo_key not in memo:
            memo[memo_key] = processor(v)
        out.append(memo[memo_key])
    return out
