"""The store's tables as typed SQLAlchemy 2 models, split by area."""

from tradewind.store.schema.base import NAMING_CONVENTION, Base
from tradewind.store.schema.ops import EventRow, HaltRow, HeartbeatRow, NotificationRow, StateRow
from tradewind.store.schema.orders import FillRow, OrderEventRow, OrderRow
from tradewind.store.schema.runs import (
    CostTotalsRow,
    CycleRow,
    EquitySnapshotRow,
    MetaRow,
    PositionSnapshotRow,
    RunRow,
)

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "CostTotalsRow",
    "CycleRow",
    "EquitySnapshotRow",
    "EventRow",
    "FillRow",
    "HaltRow",
    "HeartbeatRow",
    "MetaRow",
    "NotificationRow",
    "OrderEventRow",
    "OrderRow",
    "PositionSnapshotRow",
    "RunRow",
    "StateRow",
]
