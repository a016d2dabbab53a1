"""Read-only queries the service needs and the store's API does not offer (by fill id).

The store orders fills by time; recovery needs the order they were *recorded* in (the engine
booked them in that order) and the highest id booked at a checkpoint. These queries read the
store's schema directly, read-only, in one transaction each.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.domain.orders import ClientOrderId, Fill, Side
from tradewind.domain.types import Symbol
from tradewind.store import Store
from tradewind.store.schema import CycleRow, FillRow, PositionSnapshotRow


def fills_by_id(store: Store, run_id: int) -> list[tuple[int, Fill]]:
    """The run's fills with their ids, in recording order."""
    with Session(store.engine) as s:
        rows = s.scalars(select(FillRow).where(FillRow.run_id == run_id).order_by(FillRow.id))
        return [(r.id, _fill(r)) for r in rows]


def max_fill_id(store: Store, run_id: int) -> int:
    """The highest fill id recorded for the run (0 without fills)."""
    with Session(store.engine) as s:
        value = s.scalar(select(func.max(FillRow.id)).where(FillRow.run_id == run_id))
        return int(value or 0)


def position_values(store: Store, run_id: int) -> dict[datetime, dict[str, float]]:
    """Market value per symbol at each cycle of the run (for weights in reports)."""
    out: dict[datetime, dict[str, float]] = defaultdict(dict)
    with Session(store.engine) as s:
        q = (
            select(CycleRow.ts, PositionSnapshotRow.symbol, PositionSnapshotRow.market_value)
            .join(CycleRow, CycleRow.id == PositionSnapshotRow.cycle_id)
            .where(PositionSnapshotRow.run_id == run_id)
        )
        for ts, symbol, value in s.execute(q):
            out[ts][symbol] = float(value) if value is not None else 0.0
    return dict(out)


def _fill(r: FillRow) -> Fill:
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
