"""The backtest archive as it was before issue 28's fourth round, kept as the reference the
new writers are compared with (``test_archive_rows.py``) and the benchmark's baseline
(``bench/bench_archive.py``): the run started and ended by the store's own methods, each table
written by the former bulk writer (``bulk_reference.py``). Copied verbatim from
``src/tradewind/review/archive.py`` at commit 2985649 (but for where ``bulk_insert`` comes
from); do not "fix" it.
"""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from tradewind.backtest.runner import BacktestRun
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import Fill, default_fill_key
from tradewind.domain.plain import plain
from tradewind.domain.records import Decision, OrderRecord
from tradewind.engine.ids import run_tag
from bulk_reference import Memos, bulk_insert
from tradewind.service.runs import META_KEY
from tradewind.service.store_recorder import merge_decisions
from tradewind.store import Store
from tradewind.store.connect import WRITE_OPTION
from tradewind.store.schema import (
    CostTotalsRow,
    CycleRow,
    EquitySnapshotRow,
    EventRow,
    FillRow,
    OrderRow,
    PositionSnapshotRow,
)

REJECTED_KIND = "order_rejected"


def archive_backtest(store: Store, run: BacktestRun, name: str) -> int:
    """Record ``run`` in ``store`` as tradewind did before issue 28's fourth round."""
    summary = run.summary
    rec = summary.recorder
    now = datetime.now(UTC)
    run_id = store.start_run(
        name=name,
        started_at=now,
        symbols=list(rec.symbols),
        initial_cash=summary.initial_capital,
        run_tag=run_tag(f"{run.fingerprint}|{name}|{now.isoformat()}"),
        config_fingerprint=run.fingerprint,
        config=run.config.model_dump(mode="json"),
    )
    prefix = f"bt{run_id}-"
    by_ts: dict[datetime, list[Decision]] = defaultdict(list)
    for d in rec.decisions:
        by_ts[_utc(d.ts)].append(d)
    merged = {ts: merge_decisions(ds) for ts, ds in by_ts.items()}
    refusals: dict[datetime, str] = defaultdict(str)
    for e in rec.events:
        if e.kind == REJECTED_KIND:
            refusals[_utc(e.ts)] += e.message + "\n"
    rejected = {
        o.client_order_id
        for d in rec.decisions
        for o in d.orders
        if o.client_order_id in refusals.get(_utc(d.ts), "")
    }
    with store.engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            stamps = [_utc(ts) for ts in rec.ts]
            memos: Memos = {}  # a bar's timestamp is converted once for all its rows
            cycle_ids = _cycles(conn, run_id, run, stamps, merged, prefix, memos)
            _snapshots(conn, run_id, run, stamps, cycle_ids, memos)
            order_ids = _orders(conn, run_id, rec.decisions, rec.fills, rejected, prefix, memos)
            _fills(conn, run_id, rec.fills, order_ids, prefix, memos)
            bulk_insert(
                conn,
                EventRow,
                [
                    {"run_id": run_id, "ts": _utc(e.ts), "kind": e.kind,
                     "severity": e.severity, "message": e.message, "data": None}
                    for e in rec.events
                ],
                memos,
            )  # fmt: skip
    store.save_state(META_KEY.format(run_id=run_id), {"clock": "backtest"})
    store.end_run(run_id, ended_at=datetime.now(UTC), status="finished")
    return run_id


def _cycles(
    conn: Any,
    run_id: int,
    run: BacktestRun,
    stamps: list[datetime],
    merged: dict[datetime, Decision | None],
    prefix: str,
    memos: Memos,
) -> list[int]:
    rec = run.summary.recorder
    rows = []
    for t, regime in zip(stamps, rec.regime, strict=True):
        d = merged.get(t)
        row: dict[str, Any] = {
            "run_id": run_id, "ts": t, "inputs_fingerprint": "backtest",
            "regime": str(regime), "confidence": None, "is_decision": d is not None,
            "method": None, "reasons": [], "targets": None, "orders": [], "notes": [],
            "fallback_reason": None, "equity_before": None,
        }  # fmt: skip
        if d is not None:
            row.update(
                method=d.method,
                confidence=d.confidence,
                reasons=list(d.reasons),
                targets=dict(zip(rec.symbols, map(float, d.targets), strict=True))
                if d.targets
                else None,
                orders=[plain(_renamed(o, prefix)) for o in d.orders],
                notes=list(d.notes),
                fallback_reason=d.fallback_reason,
                equity_before=d.equity_before,
            )
        rows.append(row)
    bulk_insert(conn, CycleRow, rows, memos)
    ids = conn.execute(
        select(CycleRow.id).where(CycleRow.run_id == run_id).order_by(CycleRow.id)
    ).scalars()  # in insertion order: one executemany, in one transaction, of a new run
    return [int(i) for i in ids]


def _snapshots(
    conn: Any,
    run_id: int,
    run: BacktestRun,
    stamps: list[datetime],
    cycle_ids: list[int],
    memos: Memos,
) -> None:
    """Equity, positions and cumulative costs after each bar, from the fills up to it."""
    rec = run.summary.recorder
    book = Ledger(rec.symbols, run.summary.initial_capital)
    fills = sorted(((_utc(f.ts), f) for f in rec.fills), key=lambda tf: tf[0])
    k = 0
    equity_rows, position_rows, cost_rows = [], [], []
    for i, t in enumerate(stamps):
        while k < len(fills) and fills[k][0] <= t:
            book.apply(fills[k][1])
            k += 1
        common = {"cycle_id": cycle_ids[i], "run_id": run_id, "ts": t}
        equity = float(rec.equity[i])
        equity_rows.append(
            {**common, "equity": equity, "cash": float(rec.cash[i]),
             "exposure": float(rec.exposure[i]), "realized_pnl": float(book.realized_pnl)}
        )  # fmt: skip
        weights = np.asarray(rec.weights[i], dtype=float)
        for j, symbol in enumerate(rec.symbols):
            qty = float(book.quantity[j])
            if qty == 0:
                continue
            value = float(weights[j]) * equity
            position_rows.append(
                {**common, "symbol": symbol, "quantity": qty,
                 "average_cost": float(book.average_cost[j]), "price": value / qty,
                 "market_value": value}
            )  # fmt: skip
        costs = book.costs
        cost_rows.append(
            {**common, "commission": costs.commission, "slippage": costs.slippage,
             "impact": costs.impact, "traded_notional": float(book.traded_notional)}
        )  # fmt: skip
    for table, rows in (
        (EquitySnapshotRow, equity_rows),
        (PositionSnapshotRow, position_rows),
        (CostTotalsRow, cost_rows),
    ):
        bulk_insert(conn, table, rows, memos)


def _orders(
    conn: Any,
    run_id: int,
    decisions: list[Decision],
    fills: list[Fill],
    rejected: set[str],
    prefix: str,
    memos: Memos,
) -> dict[str, int]:
    filled: dict[str, list[Fill]] = defaultdict(list)
    for f in fills:
        filled[f.client_order_id].append(f)
    rows: list[dict[str, Any]] = []
    for d in decisions:
        for o in d.orders:
            done = filled.get(o.client_order_id, [])
            qty = sum(f.quantity for f in done)
            avg = sum(f.quantity * f.price for f in done) / qty if qty > 0 else 0.0
            status, message = _final_status(o, qty, o.client_order_id in rejected)
            rows.append(
                {"run_id": run_id, "client_order_id": prefix + o.client_order_id,
                 "symbol": o.symbol, "side": o.side, "quantity": float(o.quantity),
                 "order_type": "market", "limit_price": None, "reason": o.reason,
                 "created_at": _utc(d.ts), "status": status, "filled_quantity": float(qty),
                 "average_price": float(avg), "broker_order_id": None, "message": message,
                 "updated_at": max((_utc(f.ts) for f in done), default=_utc(d.ts)),
                 "submitted_at": _utc(d.ts)}
            )  # fmt: skip
    if not rows:
        return {}
    bulk_insert(conn, OrderRow, rows, memos)
    ids = conn.execute(
        select(OrderRow.client_order_id, OrderRow.id).where(OrderRow.run_id == run_id)
    )
    return {str(coid): int(i) for coid, i in ids}


def _final_status(order: OrderRecord, filled: float, rejected: bool) -> tuple[str, str]:
    if filled >= order.quantity * (1 - 1e-9):
        return "filled", ""
    if filled > 0:
        return "canceled", "the backtest ended with the rest unfilled"
    if rejected:
        return "rejected", "refused by the simulated broker"
    return "expired", "not filled before the backtest ended"


def _fills(
    conn: Any,
    run_id: int,
    fills: list[Fill],
    order_ids: dict[str, int],
    prefix: str,
    memos: Memos,
) -> None:
    rows = [
        {"order_id": order_ids[prefix + f.client_order_id], "run_id": run_id,
         "client_order_id": prefix + f.client_order_id, "fill_key": default_fill_key(f),
         "symbol": f.symbol, "side": f.side.value, "quantity": f.quantity, "price": f.price,
         "commission": f.commission, "slippage": f.slippage, "impact": f.impact,
         "ts": _utc(f.ts)}
        for f in fills
        if prefix + f.client_order_id in order_ids
    ]  # fmt: skip
    bulk_insert(conn, FillRow, rows, memos)


def _renamed(o: OrderRecord, prefix: str) -> OrderRecord:
    return OrderRecord(
        prefix + o.client_order_id,
        o.symbol,
        o.side,
        o.quantity,
        o.reason,
        o.price,
        o.est_commission,
        o.est_slippage,
        o.est_impact,
    )


def _utc(ts: Any) -> datetime:
    value: datetime = ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts
    return value.astimezone(UTC)
