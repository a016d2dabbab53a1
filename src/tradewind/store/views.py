"""Stored rows to the store's records: one converter per kind of row, shared by the store's
SQLAlchemy repositories (ORM rows) and the stdlib reader (:mod:`tradewind.store.reader`, rows of
decoded column values), so both build every record the same way. No SQLAlchemy here.

A row is anything with the table's column names as attributes, holding the column values as
the store reads them back: times tz-aware UTC, JSON documents parsed, booleans as ``bool``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tradewind.domain.orders import (
    ClientOrderId,
    Fill,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    StoredOrder,
)
from tradewind.domain.records import OrderRecord
from tradewind.domain.types import Symbol
from tradewind.store.records import (
    CycleView,
    EventView,
    HaltView,
    PositionView,
    RunInfo,
    Uptime,
)

OPEN_STATUSES = tuple(s.value for s in OrderStatus if not s.is_terminal)
"""Order statuses that can still change (the "open orders")."""


def run_info(r: Any) -> RunInfo:
    """A ``runs`` row."""
    return RunInfo(
        r.id,
        r.mode,
        r.name,
        r.started_at,
        r.ended_at,
        r.status,
        r.run_tag,
        r.config_fingerprint,
        tuple(r.symbols),
        r.initial_cash,
        r.code_version,
    )


def cycle_view(c: Any, e: Any) -> CycleView:
    """A ``cycles`` row with its ``equity_snapshots`` row."""
    return CycleView(
        id=c.id,
        run_id=c.run_id,
        ts=c.ts,
        inputs_fingerprint=c.inputs_fingerprint,
        regime=c.regime,
        confidence=c.confidence,
        is_decision=c.is_decision,
        method=c.method,
        reasons=tuple(c.reasons),
        targets=c.targets,
        orders=tuple(OrderRecord(**o) for o in c.orders),
        notes=tuple(c.notes),
        fallback_reason=c.fallback_reason,
        equity_before=c.equity_before,
        equity=e.equity,
        cash=e.cash,
        exposure=e.exposure,
    )


def position_view(r: Any) -> PositionView:
    """A ``positions`` row (a cycle's snapshot)."""
    return PositionView(r.symbol, r.quantity, r.average_cost, r.price, r.market_value, r.ts)


def stored_order(row: Any) -> StoredOrder:
    """An ``orders`` row."""
    request = OrderRequest(
        client_order_id=ClientOrderId(row.client_order_id),
        symbol=Symbol(row.symbol),
        side=Side(row.side),
        quantity=row.quantity,
        created_at=row.created_at,
        order_type=OrderType(row.order_type),
        limit_price=row.limit_price,
        reason=row.reason,
    )
    return StoredOrder(
        request=request,
        run_id=row.run_id,
        status=OrderStatus(row.status),
        filled_quantity=row.filled_quantity,
        average_price=row.average_price,
        broker_order_id=row.broker_order_id,
        message=row.message,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
    )


def fill(r: Any) -> Fill:
    """A ``fills`` row."""
    return Fill(
        client_order_id=ClientOrderId(r.client_order_id),
        symbol=Symbol(r.symbol),
        side=Side(r.side),
        quantity=r.quantity,
        price=r.price,
        ts=r.ts,
        commission=r.commission,
        slippage=r.slippage,
        impact=r.impact,
    )


def event_view(r: Any) -> EventView:
    """An ``events`` row."""
    return EventView(r.id, r.run_id, r.ts, r.kind, r.severity, r.message, r.data)


def halt_view(r: Any) -> HaltView:
    """A ``halts`` row."""
    return HaltView(
        r.id,
        r.kind,
        r.reason,
        r.details,
        r.latched_at,
        r.run_id,
        r.cleared_at,
        r.cleared_by,
        r.clear_reason,
        r.data,
    )


def uptime_allowance(
    start: datetime, end: datetime, expected_interval: timedelta, grace: timedelta | None
) -> timedelta:
    """The longest silence between heartbeats that costs no uptime: ``expected_interval`` plus
    ``grace`` (half the interval when None); a window or interval that cannot be measured
    raises ``ValueError`` naming it."""
    if expected_interval <= timedelta(0):
        raise ValueError(f"expected_interval must be positive, was {expected_interval}")
    if end < start:
        raise ValueError(f"uptime window ends ({end}) before it starts ({start})")
    return expected_interval + (grace if grace is not None else expected_interval / 2)


def uptime(
    start: datetime,
    end: datetime,
    expected_interval: timedelta,
    beats: list[datetime],
    allowed: timedelta,
) -> Uptime:
    """The uptime of ``[start, end]`` given its heartbeats (sorted) and the allowed silence."""
    gaps = silences([start, *beats, end], allowed, no_beats=not beats)
    down = sum((b - a for a, b in gaps), timedelta(0))
    return Uptime(start, end, expected_interval, len(beats), down, tuple(gaps))


def silences(
    points: list[datetime], allowed: timedelta, *, no_beats: bool
) -> list[tuple[datetime, datetime]]:
    """The parts of each silence between consecutive heartbeats that exceed ``allowed``
    (``points``: the window's start, the heartbeats in it, its end)."""
    if no_beats:
        return [(points[0], points[-1])] if points[-1] > points[0] else []
    gaps: list[tuple[datetime, datetime]] = []
    for a, b in zip(points, points[1:], strict=False):
        if b - a > allowed:
            gaps.append((a + allowed, b))
    return gaps
