"""The backtest archive's bulk writer as it was before issue 28's fourth round (the reference
archive, ``archive_reference.py``, writes with it). Copied verbatim from
``src/tradewind/review/bulk.py`` at commit 2985649, where it was tested to store exactly what
SQLAlchemy's Core insert stores; do not "fix" it.
"""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import TableClause

Processor = Callable[[Any], Any] | None

Memos = dict[str, dict[Any, Any]]
"""Converted values by column type, shared by :func:`bulk_insert` calls."""

MEMO_TYPES = frozenset({datetime, str})
"""Types whose converted value is remembered: equal values of these convert alike."""


def bulk_insert(
    conn: Connection,
    into: TableClause | type[Any],
    rows: Sequence[dict[str, Any]],
    memos: Memos | None = None,
) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) into ``into`` (a
    table or an ORM-mapped class).

    ``memos`` shares converted values between calls, per column type (e.g. a bar's timestamp
    in the cycles, equity, positions and costs tables): pass the same dict to every call of
    one transaction, or None.

    A table whose insert would need values the rows do not carry (Python-side column defaults)
    goes through the ordinary Core insert instead, so defaults still apply.
    """
    if not rows:
        return
    table: TableClause = into if isinstance(into, TableClause) else into.__table__
    keys = list(rows[0])
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    order: list[str] = list(compiled.positiontup or ()) if compiled.positional else keys
    if set(order) != set(keys) or len(order) != len(keys):
        conn.execute(insert(table), list(rows))
        return
    convert: list[tuple[int, Callable[[Any], Any]]] = []
    for i, k in enumerate(order):
        column_type = table.c[k].type
        processor: Processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            floats = _python_type(column_type) is float  # nothing to remember: a float each
            if floats:
                convert.append((i, processor))
                continue
            key = f"{dialect.name}:{column_type!r}"  # same type, same arguments: same conversion
            memo = {} if memos is None else memos.setdefault(key, {})
            convert.append((i, _converter(processor, memo)))
    values = itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],))
    params: list[Any] = []
    for row in rows:
        out = list(values(row))
        for i, conv in convert:
            out[i] = conv(out[i])
        params.append(tuple(out) if compiled.positional else dict(zip(order, out, strict=True)))
    conn.exec_driver_sql(compiled.string, params)


def _converter(processor: Callable[[Any], Any], memo: dict[Any, Any]) -> Callable[[Any], Any]:
    """``processor`` remembering its result per distinct value of a type in :data:`MEMO_TYPES`
    (a bar's timestamp repeats on every position row of that bar). Floats are never memoised
    (``0.0 == -0.0``), nor JSON lists and dicts (unhashable) other than the empty ones."""

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind not in MEMO_TYPES:
            if (kind is list or kind is dict) and not value:  # an empty JSON list or object
                key: tuple[Any, ...] = (kind,)
                if key not in memo:
                    memo[key] = processor(value)
                return memo[key]
            return processor(value)
        key = (kind, value, getattr(value, "tzinfo", None))  # same instant, other zone
        if key not in memo:
            memo[key] = processor(value)
        return memo[key]

    return convert


def _python_type(column_type: Any) -> type | None:
    try:
        found: type = column_type.python_type
    except NotImplementedError:  # JSON and other types without one
        return None
    return found
