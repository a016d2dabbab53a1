"""Persistent state: SQLite by default (one file per mode), PostgreSQL by URL, SQLAlchemy 2.

:class:`Store` is the whole API (see its methods); :func:`open_store` opens the database a
configuration names. Schema migrations ship in ``migrations/`` and run on open.
"""

from tradewind.store.errors import (
    DuplicateCycleError,
    DuplicateOrderError,
    ModeMismatchError,
    SchemaTooNewError,
    StoreError,
    UnknownOrderError,
)
from tradewind.store.records import (
    AccountSnapshot,
    ApplyResult,
    CostSnapshot,
    CostView,
    CycleView,
    EquityPoint,
    EventView,
    HaltView,
    NotificationView,
    OutboxMessage,
    PositionSnapshot,
    PositionView,
    RegimeNow,
    RunInfo,
    StoredOrder,
    Uptime,
)
from tradewind.store.repo_orders import default_fill_key
from tradewind.store.store import Store, open_store

__all__ = [
    "AccountSnapshot",
    "ApplyResult",
    "CostSnapshot",
    "CostView",
    "CycleView",
    "DuplicateCycleError",
    "DuplicateOrderError",
    "EquityPoint",
    "EventView",
    "HaltView",
    "ModeMismatchError",
    "NotificationView",
    "OutboxMessage",
    "PositionSnapshot",
    "PositionView",
    "RegimeNow",
    "RunInfo",
    "SchemaTooNewError",
    "Store",
    "StoreError",
    "StoredOrder",
    "UnknownOrderError",
    "Uptime",
    "default_fill_key",
    "open_store",
]
