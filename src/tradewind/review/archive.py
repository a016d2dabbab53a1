"""A finished backtest recorded in the backtest database, so it reports like any other run.

``tradewind backtest`` keeps everything in memory while it runs (a backtest must never block
on a database); when it ends, :func:`record` writes the run into the database of mode
``backtest`` (``database.url`` with ``{mode}`` = ``backtest``, by default
``data/tradewind-backtest.db``) in ONE transaction: the run with its configuration, a cycle
per bar with the account (equity, cash, positions, cumulative costs), each decision, every
order with its final state, every fill and every event, the run's settings and its end. A crash
or an error part way leaves nothing of the run behind. ``tradewind report ... --mode backtest
--run N`` then reads it exactly as it reads a paper run.

Written with one bulk insert per table rather than one transaction per cycle (the trading
service's :meth:`~tradewind.store.Store.record_cycle`): an 18-year backtest has 4,500 cycles and
tens of thousands of position rows. The rows are built as tuples, column by column where the
values come from arrays; a SQLite file is written with Python's ``sqlite3``
(:class:`~tradewind.store.sqlite_writer.SqliteWriter`, no SQLAlchemy to import), any other
database through SQLAlchemy (:class:`~tradewind.review.bulk.EngineWriter`). The ids of the new
cycles and orders are read back by run. Every text and JSON value is masked for secrets as the
store masks what it writes (:class:`~tradewind.store.redaction.RowMasker`: each distinct string
once, a column or document that cannot hold a secret passed as it is); the columns declared
:data:`~tradewind.store.sqlite_writer.NUMBER` hold no text and are not looked at.

Client order ids are unique across a database, and a backtest's ids depend only on its
configuration; archived orders therefore carry a ``bt<run>-`` prefix. They are never sent
anywhere.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

import tradewind
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import Fill, default_fill_key
from tradewind.domain.records import Decision, OrderRecord
from tradewind.engine.ids import run_tag
from tradewind.service.runs import META_KEY
from tradewind.store.decisions import merge_decisions
from tradewind.store.reader import sqlite_file
from tradewind.store.redaction import RowMasker
from tradewind.store.sqlite_writer import JSON, NUMBER, TIME, Columns, SqliteWriter

if TYPE_CHECKING:
    from tradewind.backtest.runner import BacktestRun
    from tradewind.store import Store

REJECTED_KIND = "order_rejected"

N = NUMBER  # short, for the column tables below
RUNS: Columns = {
    "mode": None, "name": None, "started_at": TIME, "ended_at": TIME, "status": None,
    "run_tag": None, "config_fingerprint": None, "symbols": JSON, "initial_cash": N,
    "config": JSON, "code_version": None,
}  # fmt: skip
RUN_END: Columns = {"ended_at": TIME, "status": None}
STATE: Columns = {"key": None, "value": JSON, "updated_at": TIME}
CYCLES: Columns = {
    "run_id": N, "ts": TIME, "inputs_fingerprint": None, "regime": None, "confidence": N,
    "is_decision": N, "method": None, "reasons": JSON, "targets": JSON, "orders": JSON,
    "notes": JSON, "fallback_reason": None, "equity_before": N,
}  # fmt: skip
EQUITY: Columns = {
    "cycle_id": N, "run_id": N, "ts": TIME, "equity": N, "cash": N, "exposure": N,
    "realized_pnl": N,
}  # fmt: skip
POSITIONS: Columns = {
    "cycle_id": N, "run_id": N, "ts": TIME, "symbol": None, "quantity": N, "average_cost": N,
    "price": N, "market_value": N,
}  # fmt: skip
COSTS: Columns = {
    "cycle_id": N, "run_id": N, "ts": TIME, "commission": N, "slippage": N, "impact": N,
    "traded_notional": N,
}  # fmt: skip
ORDERS: Columns = {
    "run_id": N, "client_order_id": None, "symbol": None, "side": None, "quantity": N,
    "order_type": None, "limit_price": N, "reason": None, "created_at": TIME, "status": None,
    "filled_quantity": N, "average_price": N, "broker_order_id": None, "message": None,
    "updated_at": TIME, "submitted_at": TIME,
}  # fmt: skip
FILLS: Columns = {
    "order_id": N, "run_id": N, "client_order_id": None, "fill_key": None, "symbol": None,
    "side": None, "quantity": N, "price": N, "commission": N, "slippage": N, "impact": N,
    "ts": TIME,
}  # fmt: skip
EVENTS: Columns = {
    "run_id": N, "ts": TIME, "kind": None, "severity": None, "message": None, "data": JSON,
}  # fmt: skip
TABLES: dict[str, Columns] = {
    "runs": RUNS, "state": STATE, "cycles": CYCLES, "equity_snapshots": EQUITY,
    "positions": POSITIONS, "costs": COSTS, "orders": ORDERS, "fills": FILLS, "events": EVENTS,
}  # fmt: skip
"""Every table the archive writes, with the columns it writes (a test checks the kinds against
the store's column types)."""

ORDER_FIELDS = tuple(f.name for f in fields(OrderRecord))
_order_values = attrgetter(*ORDER_FIELDS)


class Writer(Protocol):
    """Where the archive writes: :class:`~tradewind.store.sqlite_writer.SqliteWriter` or
    :class:`~tradewind.review.bulk.EngineWriter` (one transaction, the caller's)."""

    def time(self, value: datetime) -> Any: ...

    def insert(self, table: str, columns: Columns, rows: Sequence[Sequence[Any]]) -> None: ...

    def insert_one(self, table: str, columns: Columns, row: Sequence[Any]) -> int: ...

    def update(self, table: str, row_id: int, columns: Columns, row: Sequence[Any]) -> None: ...

    def delete(self, table: str, column: str, value: Any) -> None: ...

    def ids(self, table: str, key: str, run_id: int) -> list[tuple[Any, int]]: ...


class _Masking:
    """A :class:`Writer` that masks secrets in every text and JSON value before the one it
    wraps writes it (:class:`~tradewind.review.bulk.EngineWriter`: the SQLite writer masks
    as it encodes)."""

    def __init__(self, inner: Writer, masker: RowMasker) -> None:
        self.inner, self.masker = inner, masker

    def time(self, value: datetime) -> Any:
        return self.inner.time(value)

    def insert(self, table: str, columns: Columns, rows: Sequence[Sequence[Any]]) -> None:
        self.inner.insert(table, columns, self._mask(columns, rows))

    def insert_one(self, table: str, columns: Columns, row: Sequence[Any]) -> int:
        (masked,) = self._mask(columns, [row])
        return self.inner.insert_one(table, columns, masked)

    def update(self, table: str, row_id: int, columns: Columns, row: Sequence[Any]) -> None:
        (masked,) = self._mask(columns, [row])
        self.inner.update(table, row_id, columns, masked)

    def delete(self, table: str, column: str, value: Any) -> None:
        self.inner.delete(table, column, self.masker.value(value))

    def ids(self, table: str, key: str, run_id: int) -> list[tuple[Any, int]]:
        return self.inner.ids(table, key, run_id)

    def _mask(self, columns: Columns, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        kinds = list(columns.values())
        texts = [i for i, kind in enumerate(kinds) if kind is None]
        return self.masker.rows(rows, texts, [i for i, kind in enumerate(kinds) if kind == JSON])


def record(
    url: str, run: BacktestRun, name: str, *, mode: str, secrets: Sequence[str] = ()
) -> dict[str, Any]:
    """Record ``run`` as ``name`` in the database at ``url`` (opened in ``mode``); return
    ``{"run_id": ..., "database": ...}``. ``secrets`` (the credentials' values) are masked in
    everything written, with any credential-shaped text.

    A SQLite file at the newest schema is written with ``sqlite3`` alone; a new, older or
    foreign file is first opened by :class:`~tradewind.store.Store` (which creates, upgrades or
    refuses it); any other database is written through the store's engine.
    """
    with _collections_paused():
        return _record(url, run, name, mode, secrets)


def _record(
    url: str, run: BacktestRun, name: str, mode: str, secrets: Sequence[str]
) -> dict[str, Any]:
    path = sqlite_file(url)
    if path is not None:
        writer = SqliteWriter.open(path, mode, secrets=secrets)
        if writer is None:
            from tradewind.store import Store

            Store(url, mode=mode).close()  # create, upgrade or refuse, as every open does
            writer = SqliteWriter.open(path, mode, secrets=secrets)
        if writer is not None:
            with writer:
                run_id = write_archive(writer, run, name, mode)
            return {"run_id": run_id, "database": writer.database}
    from tradewind.store import Store

    with Store(url, mode=mode, secrets=secrets) as store:
        return {"run_id": archive_backtest(store, run, name), "database": store.database}


@contextmanager
def _collections_paused() -> Iterator[None]:
    """No cyclic garbage collection while the rows are built and written: the finished run's
    objects (hundreds of thousands) all stay alive, and a full collection set off by the
    archive's own allocations walks them all for nothing (about 0.08 s on the demo run). The
    archive makes no reference cycles; its garbage is freed by reference counting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def archive_backtest(store: Store, run: BacktestRun, name: str) -> int:
    """Record ``run`` in ``store`` (a database of mode ``backtest``) through its engine, in one
    transaction; return its run id."""
    from tradewind.review.bulk import EngineWriter
    from tradewind.store.connect import WRITE_OPTION
    from tradewind.store.errors import StoreError

    mode = store.mode or store.owner_mode()
    if mode is None:
        raise StoreError("open the store with a trading mode to start a run")
    with store.engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            writer = _Masking(EngineWriter(conn), RowMasker(store.secrets))
            return write_archive(writer, run, name, mode)


def write_archive(writer: Writer, run: BacktestRun, name: str, mode: str) -> int:
    """Write ``run`` through ``writer`` (its transaction, masking secrets in what it writes as
    the store masks what it writes); the new run's id."""
    summary = run.summary
    rec = summary.recorder
    now = datetime.now(UTC)
    tag = run_tag(f"{run.fingerprint}|{name}|{now.isoformat()}")
    run_row = (
        mode, name, now, None, "running", tag,
        run.fingerprint, [str(x) for x in rec.symbols], float(summary.initial_capital),
        dict(run.config.model_dump(mode="json")), tradewind.__version__,
    )  # fmt: skip
    values = list(run_row)
    values[2] = writer.time(now)
    run_id = writer.insert_one("runs", RUNS, values)
    prefix = f"bt{run_id}-"
    decision_ts = [_utc(d.ts) for d in rec.decisions]
    by_ts: dict[datetime, list[Decision]] = defaultdict(list)
    for t, d in zip(decision_ts, rec.decisions, strict=True):
        by_ts[t].append(d)
    merged = {ts: merge_decisions(ds) for ts, ds in by_ts.items()}
    refusals: dict[datetime, str] = defaultdict(str)
    for e in rec.events:
        if e.kind == REJECTED_KIND:
            refusals[_utc(e.ts)] += e.message + "\n"
    rejected = {
        o.client_order_id
        for t, d in zip(decision_ts, rec.decisions, strict=True)
        for o in d.orders
        if o.client_order_id in refusals.get(t, "")
    }
    stamps = [_utc(ts) for ts in rec.ts]
    times = [writer.time(t) for t in stamps]
    fills = rec.fills
    fill_ts = [_utc(f.ts) for f in fills]  # once, for the book, the orders and the fills
    writer.insert("cycles", CYCLES, _cycles(run_id, run, stamps, times, merged, prefix))
    cycle_ids = [i for _, i in writer.ids("cycles", "id", run_id)]
    equity, positions, costs = _snapshots(run_id, run, stamps, times, cycle_ids, fill_ts)
    writer.insert("equity_snapshots", EQUITY, equity)
    writer.insert("positions", POSITIONS, positions)
    writer.insert("costs", COSTS, costs)
    filled: dict[str, list[tuple[datetime, Fill]]] = defaultdict(list)
    for t, f in zip(fill_ts, fills, strict=True):
        filled[f.client_order_id].append((t, f))
    orders = _orders(writer, run_id, rec.decisions, decision_ts, filled, rejected, prefix)
    writer.insert("orders", ORDERS, orders)
    order_ids = dict(writer.ids("orders", "client_order_id", run_id)) if orders else {}
    writer.insert("fills", FILLS, _fills(writer, run_id, fills, fill_ts, order_ids, prefix))
    writer.insert(
        "events",
        EVENTS,
        [
            (run_id, writer.time(_utc(e.ts)), e.kind, e.severity, e.message, None)
            for e in rec.events
        ],
    )
    key = META_KEY.format(run_id=run_id)
    writer.delete("state", "key", key)
    value = {"clock": "backtest"}
    writer.insert("state", STATE, [(key, value, writer.time(datetime.now(UTC)))])
    writer.update("runs", run_id, RUN_END, (writer.time(datetime.now(UTC)), "finished"))
    return run_id


def _cycles(
    run_id: int,
    run: BacktestRun,
    stamps: list[datetime],
    times: list[Any],
    merged: dict[datetime, Decision | None],
    prefix: str,
) -> list[tuple[Any, ...]]:
    rec = run.summary.recorder
    symbols = list(rec.symbols)
    rows: list[tuple[Any, ...]] = []
    get = merged.get
    for t, time, regime in zip(stamps, times, rec.regime, strict=True):
        d = get(t)
        if d is None:
            rows.append(
                (run_id, time, "backtest", str(regime), None, False, None, [], None, [], [],
                 None, None)
            )  # fmt: skip
            continue
        targets = dict(zip(symbols, map(float, d.targets), strict=True)) if d.targets else None
        orders = []
        for o in d.orders:
            values = dict(zip(ORDER_FIELDS, _order_values(o), strict=True))
            values["client_order_id"] = prefix + o.client_order_id
            orders.append(values)  # what plain() of the renamed OrderRecord returns
        rows.append(
            (run_id, time, "backtest", str(regime), d.confidence, True, d.method, list(d.reasons),
             targets, orders, list(d.notes), d.fallback_reason, d.equity_before)
        )  # fmt: skip
    return rows


def _snapshots(
    run_id: int,
    run: BacktestRun,
    stamps: list[datetime],
    times: list[Any],
    cycle_ids: list[int],
    fill_ts: list[datetime],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Equity, positions and cumulative costs after each bar, from the fills up to it.

    Built column by column: the book changes only at the bars with fills, so its state is
    computed there and spread over the bars up to the next change; the position rows are the
    non-zero quantities, bar by bar and in symbol order (``np.nonzero`` walks rows first)."""
    rec = run.summary.recorder
    n, m = len(stamps), len(rec.symbols)
    equity = np.asarray(rec.equity, dtype=float)
    values = np.asarray(rec.weights, dtype=float).reshape(n, m)
    values = values * equity[:, None]  # each weight times its bar's equity, as floats do
    quantity, average = np.zeros((n, m)), np.zeros((n, m))
    realized: list[float] = []
    totals: list[tuple[float, float, float, float]] = []
    changes = _book_changes(run, stamps, fill_ts)
    ends = [start for start, _ in changes[1:]] + [n]
    for (start, state), end in zip(changes, ends, strict=False):  # no bars: no changes
        quantity[start:end], average[start:end] = state.quantity, state.average_cost
        realized += [state.realized] * (end - start)
        totals += [state.totals] * (end - start)
    cash = np.asarray(rec.cash, dtype=float).tolist()
    exposure = np.asarray(rec.exposure, dtype=float).tolist()
    run_ids = repeat(run_id)
    equity_rows = list(
        zip(cycle_ids, run_ids, times, equity.tolist(), cash, exposure, realized, strict=False)
    )
    cost_rows = [(c, run_id, t, *tot) for c, t, tot in zip(cycle_ids, times, totals, strict=True)]
    bars, held = np.nonzero(quantity)
    qty, value = quantity[bars, held], values[bars, held]
    position_rows = list(
        zip(
            np.asarray(cycle_ids, dtype=object)[bars].tolist(),
            run_ids,
            np.asarray(times, dtype=object)[bars].tolist(),
            np.asarray(rec.symbols, dtype=object)[held].tolist(),
            qty.tolist(),
            average[bars, held].tolist(),
            (value / qty).tolist(),  # the price: IEEE division, as Python's float division
            value.tolist(),
            strict=False,  # run_ids is endless
        )
    )
    return equity_rows, position_rows, cost_rows


@dataclass(frozen=True)
class _BookState:
    """The book after a bar: quantities and average costs (copies), realized P&L and the
    cumulative ``(commission, slippage, impact, traded notional)``."""

    quantity: np.ndarray
    average_cost: np.ndarray
    realized: float
    totals: tuple[float, float, float, float]


def _book_changes(
    run: BacktestRun, stamps: list[datetime], fill_ts: list[datetime]
) -> list[tuple[int, _BookState]]:
    """``(bar, state)`` for the first bar and each bar whose fills changed the book
    (``fill_ts``: the time of each fill of the run, in UTC)."""
    rec = run.summary.recorder
    book = Ledger(rec.symbols, run.summary.initial_capital)
    fills = sorted(zip(fill_ts, rec.fills, strict=True), key=itemgetter(0))
    changes: list[tuple[int, _BookState]] = []
    k = 0
    for i, t in enumerate(stamps):
        if i == 0 or (k < len(fills) and fills[k][0] <= t):
            while k < len(fills) and fills[k][0] <= t:
                book.apply(fills[k][1])
                k += 1
            c = book.costs
            totals = (c.commission, c.slippage, c.impact, float(book.traded_notional))
            state = _BookState(
                book.quantity.copy(), book.average_cost.copy(), float(book.realized_pnl), totals
            )
            changes.append((i, state))
    return changes


def _orders(
    writer: Writer,
    run_id: int,
    decisions: list[Decision],
    decision_ts: list[datetime],
    filled: dict[str, list[tuple[datetime, Fill]]],
    rejected: set[str],
    prefix: str,
) -> list[tuple[Any, ...]]:
    """The orders' rows (``filled``: each order's fills with their UTC times, by client id)."""
    rows: list[tuple[Any, ...]] = []
    for t, d in zip(decision_ts, decisions, strict=True):
        time = writer.time(t)
        for o in d.orders:
            done = filled.get(o.client_order_id, [])
            qty = sum(f.quantity for _, f in done)
            avg = sum(f.quantity * f.price for _, f in done) / qty if qty > 0 else 0.0
            status, message = _final_status(o, qty, o.client_order_id in rejected)
            updated = max((ft for ft, _ in done), default=t)
            rows.append(
                (run_id, prefix + o.client_order_id, o.symbol, o.side, float(o.quantity),
                 "market", None, o.reason, time, status, float(qty), float(avg), None, message,
                 writer.time(updated), time)
            )  # fmt: skip
    return rows


def _final_status(order: OrderRecord, filled: float, rejected: bool) -> tuple[str, str]:
    if filled >= order.quantity * (1 - 1e-9):
        return "filled", ""
    if filled > 0:
        return "canceled", "the backtest ended with the rest unfilled"
    if rejected:
        return "rejected", "refused by the simulated broker"
    return "expired", "not filled before the backtest ended"


def _fills(
    writer: Writer,
    run_id: int,
    fills: list[Fill],
    fill_ts: list[datetime],
    order_ids: dict[str, int],
    prefix: str,
) -> list[tuple[Any, ...]]:
    rows = []
    for f, ts in zip(fills, fill_ts, strict=True):
        coid = prefix + f.client_order_id
        order_id = order_ids.get(coid)
        if order_id is None:
            continue
        rows.append(
            (order_id, run_id, coid, default_fill_key(f), f.symbol, f.side.value, f.quantity,
             f.price, f.commission, f.slippage, f.impact, writer.time(ts))
        )  # fmt: skip
    return rows


def _utc(ts: Any) -> datetime:
    value: datetime = ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts
    return value.astimezone(UTC)
