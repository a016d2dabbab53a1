"""Reading the store without SQLAlchemy: what ``tradewind status``, ``orders``, ``positions`` and
``risk status`` ask, as SQL text.

:func:`open_reader` opens a mode's database read-only. For a SQLite file at the newest schema
revision the queries run on Python's own ``sqlite3`` module (SQLAlchemy, about a sixth of a second
to import, is not loaded); any other database (PostgreSQL, an older or unknown schema, a missing
version table) is opened by :class:`~tradewind.store.Store` first, so it is checked and refused
exactly as before, and the same SQL runs on its SQLAlchemy connection. Every record is built by
the converters of :mod:`tradewind.store.views`, which the store's own repositories use too; the
tests compare every method with :class:`~tradewind.store.Store`'s on the same SQLite and
PostgreSQL databases.

Column values are decoded as the store's column types decode them (:mod:`tradewind.store.coltypes`):
SQLite keeps times as UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``) and JSON as text; PostgreSQL
returns tz-aware times and parsed JSON.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol

from tradewind.domain.orders import Fill, StoredOrder
from tradewind.store.errors import StoreError
from tradewind.store.records import (
    CycleView,
    HaltView,
    PositionView,
    RegimeNow,
    RunInfo,
    Uptime,
)
from tradewind.store.revisions import VERSION_TABLE, packaged_head
from tradewind.store.views import (
    OPEN_STATUSES,
    cycle_view,
    fill,
    halt_view,
    position_view,
    run_info,
    stored_order,
    uptime,
    uptime_allowance,
)

if TYPE_CHECKING:
    from tradewind.store.store import Store

# --- the columns each record needs, and how to decode them ---------------------------------
TIME = "time"
JSON = "json"
BOOL = "bool"
RUN = {
    "id": None, "mode": None, "name": None, "started_at": TIME, "ended_at": TIME, "status": None,
    "run_tag": None, "config_fingerprint": None, "symbols": JSON, "initial_cash": None,
    "code_version": None,
}  # fmt: skip
CYCLE = {
    "id": None, "run_id": None, "ts": TIME, "inputs_fingerprint": None, "regime": None,
    "confidence": None, "is_decision": BOOL, "method": None, "reasons": JSON, "targets": JSON,
    "orders": JSON, "notes": JSON, "fallback_reason": None, "equity_before": None,
}  # fmt: skip
EQUITY = {"equity": None, "cash": None, "exposure": None}
POSITION = {
    "symbol": None, "quantity": None, "average_cost": None, "price": None, "market_value": None,
    "ts": TIME,
}  # fmt: skip
ORDER = {
    "run_id": None, "client_order_id": None, "symbol": None, "side": None, "quantity": None,
    "order_type": None, "limit_price": None, "reason": None, "created_at": TIME, "status": None,
    "filled_quantity": None, "average_price": None, "broker_order_id": None, "message": None,
    "updated_at": TIME, "submitted_at": TIME,
}  # fmt: skip
FILL = {
    "id": None, "client_order_id": None, "symbol": None, "side": None, "quantity": None,
    "price": None, "ts": TIME, "commission": None, "slippage": None, "impact": None,
}  # fmt: skip
HALT = {
    "id": None, "kind": None, "reason": None, "details": None, "latched_at": TIME,
    "run_id": None, "cleared_at": TIME, "cleared_by": None, "clear_reason": None, "data": JSON,
}  # fmt: skip
Columns = Mapping[str, str | None]


def query(
    columns: Columns | str,
    table: str,
    where: Sequence[str] = (),
    order: str = "",
    limit: int | None = None,
) -> str:
    """``SELECT columns FROM table [WHERE ... AND ...] [ORDER BY order] [LIMIT limit]`` from the
    fixed fragments of this module (values are always bound parameters, ``:name``)."""
    names = columns if isinstance(columns, str) else ", ".join(columns)
    sql = f"SELECT {names} FROM {table}"  # noqa: S608 - fixed fragments, values bound
    if where:
        sql += " WHERE " + " AND ".join(where)
    if order:
        sql += f" ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit):d}"
    return sql


def decode_time(value: Any) -> datetime | None:
    """A stored time as tz-aware UTC (SQLite text is UTC wall time; PostgreSQL's is aware)."""
    if value is None:
        return None
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(t, datetime):
        raise StoreError(f"expected a stored time, found {value!r}")
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def decode_json(value: Any) -> Any:
    """A stored JSON document (SQLite text, or already parsed by PostgreSQL's driver)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


_DECODE: dict[str | None, Callable[[Any], Any]] = {
    TIME: decode_time,
    JSON: decode_json,
    BOOL: lambda v: None if v is None else bool(v),
    None: lambda v: v,
}


def _row(columns: Columns, values: Sequence[Any], offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        **{
            name: _DECODE[kind](values[offset + i])
            for i, (name, kind) in enumerate(columns.items())
        }
    )


# --- the two ways to run the SQL ----------------------------------------------------------
class _Backend(Protocol):
    def rows(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]: ...

    def time(self, value: datetime) -> Any: ...

    def close(self) -> None: ...


class _Sqlite:
    """A SQLite file through the stdlib, read-only (``query_only``; a missing file is an error,
    never created)."""

    def __init__(self, path: Path, busy_timeout: float = 30.0) -> None:
        self.con = sqlite3.connect(
            path.absolute().as_uri() + "?mode=rw", uri=True, timeout=busy_timeout
        )
        self.con.execute("PRAGMA query_only = ON")

    def rows(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        return self.con.execute(sql, params).fetchall()

    def time(self, value: datetime) -> Any:
        utc = value.astimezone(UTC).replace(tzinfo=None)
        return f"{utc:%Y-%m-%d %H:%M:%S.%f}"  # what SQLAlchemy's SQLite DateTime writes

    def close(self) -> None:
        self.con.close()


class _Alchemy:
    """Any database a :class:`~tradewind.store.Store` opened (PostgreSQL): the same SQL text."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def rows(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        from sqlalchemy import text

        with self.store.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]

    def time(self, value: datetime) -> Any:
        return value.astimezone(UTC)

    def close(self) -> None:
        self.store.close()


# --- the reader ---------------------------------------------------------------------------
class StoreReads(Protocol):
    """The store's read methods the read-only commands use (:class:`~tradewind.store.Store`
    and :class:`StoreReader` both have them)."""

    database: str

    def latest_run(self) -> RunInfo | None: ...

    def run(self, run_id: int) -> RunInfo: ...

    def last_cycle(self, run_id: int | None = None) -> CycleView | None: ...

    def current_regime(self, run_id: int | None = None) -> RegimeNow | None: ...

    def latest_positions(self, run_id: int | None = None) -> list[PositionView]: ...

    def open_orders(self, run_id: int | None = None) -> list[StoredOrder]: ...

    def orders(self, run_id: int | None = None) -> list[StoredOrder]: ...

    def fills_by_id(self, run_id: int) -> list[tuple[int, Fill]]: ...

    def last_trade(self, run_id: int | None = None) -> Fill | None: ...

    def last_heartbeat(self, run_id: int | None = None) -> datetime | None: ...

    def uptime(
        self, run_id: int | None, start: datetime, end: datetime, expected_interval: timedelta
    ) -> Uptime: ...

    def load_state(self, key: str) -> dict[str, Any] | None: ...

    def halts(self) -> list[HaltView]: ...

    def active_halts(self) -> list[HaltView]: ...


class StoreReader:
    """The read methods of :class:`StoreReads` as SQL text (see the module docstring); each
    method is one query or a few, like the store's. Use :func:`open_reader`."""

    def __init__(self, backend: _Backend, database: str) -> None:
        self._db = backend
        self.database = database

    def close(self) -> None:
        """Release the connection."""
        self._db.close()

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _all(self, columns: Columns, sql: str, **params: Any) -> list[SimpleNamespace]:
        return [_row(columns, r) for r in self._db.rows(sql, params)]

    # --- runs and cycles ---------------------------------------------------------------
    def latest_run(self) -> RunInfo | None:
        """The most recently started run."""
        rows = self._all(RUN, query(RUN, "runs", order="id DESC", limit=1))
        return run_info(rows[0]) if rows else None

    def run(self, run_id: int) -> RunInfo:
        """The run ``run_id``; :class:`StoreError` if there is none."""
        rows = self._all(RUN, query(RUN, "runs", ["id = :id"]), id=run_id)
        if not rows:
            raise StoreError(f"no run with id {run_id} in this database")
        return run_info(rows[0])

    def last_cycle(self, run_id: int | None = None) -> CycleView | None:
        """The latest cycle of ``run_id`` (of any run if None)."""
        columns = ", ".join([*(f"c.{c}" for c in CYCLE), *(f"e.{c}" for c in EQUITY)])
        sql = query(
            columns,
            "cycles c JOIN equity_snapshots e ON e.cycle_id = c.id",
            ["c.run_id = :run"] if run_id is not None else [],
            order="c.ts DESC, c.id DESC",
            limit=1,
        )
        found = self._db.rows(sql, {"run": run_id})
        if not found:
            return None
        return cycle_view(_row(CYCLE, found[0]), _row(EQUITY, found[0], len(CYCLE)))

    def current_regime(self, run_id: int | None = None) -> RegimeNow | None:
        """The regime of the latest cycle and when it began (over all runs if ``run_id`` None)."""
        scope = ["run_id = :run"] if run_id is not None else []
        cols: Columns = {"regime": None, "confidence": None, "ts": TIME}
        last = self._all(
            cols, query(cols, "cycles", scope, order="ts DESC, id DESC", limit=1), run=run_id
        )
        if not last:
            return None
        now = last[0]
        other = self._db.rows(
            query("ts", "cycles", [*scope, "regime != :regime"], order="ts DESC", limit=1),
            {"run": run_id, "regime": now.regime},
        )
        after = ["ts > :other"] if other else []
        since = self._db.rows(
            query("ts", "cycles", [*scope, *after], order="ts", limit=1),
            {"run": run_id, "other": other[0][0] if other else None},
        )
        start = decode_time(since[0][0]) if since else None
        return RegimeNow(now.regime, now.confidence, start or now.ts, now.ts)

    def latest_positions(self, run_id: int | None = None) -> list[PositionView]:
        """Positions snapshotted by the latest cycle (of any run if ``run_id`` is None)."""
        scope = ["run_id = :run"] if run_id is not None else []
        cycle = self._db.rows(
            query("id", "cycles", scope, order="ts DESC, id DESC", limit=1), {"run": run_id}
        )
        if not cycle:
            return []
        sql = query(POSITION, "positions", ["cycle_id = :cycle"], order="symbol")
        return [position_view(r) for r in self._all(POSITION, sql, cycle=cycle[0][0])]

    # --- orders and fills --------------------------------------------------------------
    def open_orders(self, run_id: int | None = None) -> list[StoredOrder]:
        """Orders not yet in a terminal state, oldest first (of every run if ``run_id`` None)."""
        return self._orders(run_id, OPEN_STATUSES)

    def orders(self, run_id: int | None = None) -> list[StoredOrder]:
        """Stored orders of ``run_id`` (of every run if None), oldest first."""
        return self._orders(run_id, None)

    def _orders(self, run_id: int | None, statuses: Sequence[str] | None) -> list[StoredOrder]:
        where: list[str] = []
        params: dict[str, Any] = {"run": run_id}
        if run_id is not None:
            where.append("run_id = :run")
        if statuses is not None:
            names = [f"s{i}" for i in range(len(statuses))]
            where.append(f"status IN ({', '.join(':' + n for n in names)})")
            params.update(zip(names, statuses, strict=True))
        sql = query(ORDER, "orders", where, order="created_at, id")
        return [stored_order(r) for r in self._all(ORDER, sql, **params)]

    def fills_by_id(self, run_id: int) -> list[tuple[int, Fill]]:
        """The run's fills with their ids, in the order they were recorded."""
        sql = query(FILL, "fills", ["run_id = :run"], order="id")
        return [(r.id, fill(r)) for r in self._all(FILL, sql, run=run_id)]

    def last_trade(self, run_id: int | None = None) -> Fill | None:
        """The most recent fill."""
        scope = ["run_id = :run"] if run_id is not None else []
        sql = query(FILL, "fills", scope, order="ts DESC, id DESC", limit=1)
        rows = self._all(FILL, sql, run=run_id)
        return fill(rows[0]) if rows else None

    # --- health --------------------------------------------------------------------------
    def last_heartbeat(
        self, run_id: int | None = None, *, component: str = "engine"
    ) -> datetime | None:
        """Time of the latest heartbeat (of any run if ``run_id`` is None)."""
        where = ["component = :component", *(["run_id = :run"] if run_id is not None else [])]
        rows = self._db.rows(
            query("ts", "heartbeats", where, order="ts DESC", limit=1),
            {"component": component, "run": run_id},
        )
        return decode_time(rows[0][0]) if rows else None

    def uptime(
        self,
        run_id: int | None,
        start: datetime,
        end: datetime,
        expected_interval: timedelta,
        *,
        grace: timedelta | None = None,
        component: str = "engine",
    ) -> Uptime:
        """Share of ``[start, end]`` during which heartbeats came as often as expected
        (:meth:`tradewind.store.Store.uptime`)."""
        start, end = _utc(start), _utc(end)
        allowed = uptime_allowance(start, end, expected_interval, grace)
        where = ["component = :component", "ts >= :start", "ts <= :end"]
        if run_id is not None:
            where.append("run_id = :run")
        found = self._db.rows(
            query("ts", "heartbeats", where),
            {
                "component": component,
                "start": self._db.time(start),
                "end": self._db.time(end),
                "run": run_id,
            },
        )
        beats = sorted(t for (v,) in found if (t := decode_time(v)) is not None)
        return uptime(start, end, expected_interval, beats, allowed)

    # --- state and halts -------------------------------------------------------------------
    def load_state(self, key: str) -> dict[str, Any] | None:
        """The JSON state kept under ``key``, or None."""
        rows = self._db.rows(query("value", "state", ['"key" = :key']), {"key": key})
        return dict(decode_json(rows[0][0])) if rows else None

    def halts(self) -> list[HaltView]:
        """Every halt, active or cleared, oldest first."""
        return [halt_view(r) for r in self._all(HALT, query(HALT, "halts", order="id"))]

    def active_halts(self) -> list[HaltView]:
        """Every active halt, oldest first."""
        sql = query(HALT, "halts", ["cleared_at IS NULL"], order="id")
        return [halt_view(r) for r in self._all(HALT, sql)]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: the store needs tz-aware times")
    return value.astimezone(UTC)


# --- opening --------------------------------------------------------------------------------
_SIMPLE_SQLITE = re.compile(r"sqlite(?:\+pysqlite)?://(?P<rest>[^?%#]*)")
MEMORY_NAMES = ("", ":memory:")


def sqlite_file(url: str) -> Path | None:
    """The SQLite file of a database URL (None for another backend or an in-memory database):
    :func:`tradewind.store.connect.sqlite_path` of the parsed URL, without SQLAlchemy for the
    plain ``sqlite:///path`` form (anything else is parsed by SQLAlchemy)."""
    simple = _SIMPLE_SQLITE.fullmatch(url)
    if simple is None:
        from sqlalchemy.engine import make_url

        from tradewind.store.connect import sqlite_path

        return sqlite_path(make_url(url))
    rest = simple.group("rest")
    database = rest[1:] if rest.startswith("/") else None
    if rest and database is None:  # sqlite://host/...: let SQLAlchemy say what it means
        from sqlalchemy.engine import make_url

        from tradewind.store.connect import sqlite_path

        return sqlite_path(make_url(url))
    if database is None or database in MEMORY_NAMES or database.startswith("file::memory:"):
        return None
    return Path(database)


def backend_name(url: str) -> str:
    """The database backend a URL names (``sqlite``, ``postgresql``, ...), as SQLAlchemy reads
    it (without SQLAlchemy for the plain ``sqlite://`` forms)."""
    if _SIMPLE_SQLITE.fullmatch(url):
        return "sqlite"
    from sqlalchemy.engine import make_url

    return make_url(url).get_backend_name()


@contextmanager
def open_reader(url: str) -> Iterator[StoreReads]:
    """The database at ``url`` opened for reading (see the module docstring).

    Raises
    ------
    StoreError
        As :class:`~tradewind.store.Store` opened with ``mode=None, migrate=False`` raises it:
        e.g. the database is not at the newest schema revision.
    """
    path = sqlite_file(url)
    backend = _open_sqlite(path) if path is not None and path.exists() else None
    if backend is not None:
        current = False
        try:
            current = _current(backend)
        except sqlite3.Error:  # not a database, locked, ...: the store says what it says
            current = False
        finally:
            if not current:
                backend.close()
        if current:
            with StoreReader(backend, str(path)) as reader:
                yield reader
            return
    from tradewind.store import Store

    store = Store(url, mode=None, migrate=False)
    with StoreReader(_Alchemy(store), store.database) as reader:
        yield reader


def _open_sqlite(path: Path) -> _Sqlite | None:
    """The file through the stdlib, or None when it cannot be opened so (e.g. a read-only
    file: the store's own connection then opens it, or says why not, as before)."""
    try:
        return _Sqlite(path)
    except sqlite3.Error:
        return None


def _current(backend: _Sqlite) -> bool:
    """Whether the SQLite file's schema is exactly the newest packaged revision (otherwise the
    store decides: it upgrades nothing here and refuses with its own message)."""
    head = packaged_head()
    has_table = backend.rows(
        query("1", "sqlite_master", ["type = 'table'", "name = :name"]), {"name": VERSION_TABLE}
    )
    if head is None or not has_table:
        return False
    found = backend.rows(query("version_num", VERSION_TABLE), {})
    return len(found) == 1 and str(found[0][0]) == head
