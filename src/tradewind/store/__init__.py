"""Persistent state: SQLite by default (one file per mode), PostgreSQL by URL, SQLAlchemy 2.

:class:`Store` is the whole API (see its methods); :func:`open_store` opens the database a
configuration names (``database.url`` with ``{mode}`` filled in).

Decisions
---------
- **One transaction per logical write.** Every write method commits before it returns, or
  raises and leaves nothing: a cycle with its equity snapshot, positions, costs and events; an
  order event with its status change, fill and audit row; a halt with its event and outbox
  messages. :meth:`Store.add_order` returns only after the commit: call it before the broker.
- **Modes never share state by accident.** A database is stamped with the mode that created
  it (``meta.mode``); opening it in another mode raises :class:`ModeMismatchError`, a
  ``ConfigError`` naming the fix.
- **Money, prices and quantities are float64** (``Double``), exactly what the engine and its
  ledger compute with, so fills replayed from the store rebuild the ledger bit for bit. Brokers
  convert to and from ``Decimal`` at their boundary.
- **Times are tz-aware UTC**: naive datetimes are refused on write, reads return UTC.
- **Idempotent events.** A fill is unique by ``(client_order_id, fill_key)``; a fill-less event
  for a status the order already reached is a replay. Replays write nothing.
- **Secrets are never stored.** Every text and JSON value is passed through
  :func:`tradewind.logsetup.redact` with the configured secret values before it is flushed.
- **Migrations** (alembic, scripts in ``migrations/versions``) run on open in one transaction,
  after a copy of an existing SQLite file (``<file>.bak-<revision>``); a database written by a
  newer tradewind is refused. New revisions: :func:`tradewind.store.migrate.autogenerate`, then
  ``python -m tradewind.store.fresh``. A database without any table is created at the newest
  schema directly (:mod:`tradewind.store.fresh`), not migrated from the first revision.
- **SQLite** runs in WAL mode with foreign keys on, a busy timeout, ``synchronous=FULL`` and
  ``BEGIN IMMEDIATE`` for writes. The code is dialect-neutral; PostgreSQL works by URL
  (``postgresql+psycopg://...``, ``pip install 'tradewind[postgres]'``).
- The records and errors are light to import; :class:`Store` (and SQLAlchemy) is imported
  on first use, so the read-only commands' stdlib reader (:mod:`tradewind.store.reader`) never
  loads it for a SQLite database.
- The halts in these tables are handled in one place: :mod:`tradewind.service.halts`.
"""

from typing import TYPE_CHECKING

from tradewind.lazy import lazy_exports
from tradewind.store.errors import (
    DuplicateCycleError,
    ModeMismatchError,
    SchemaTooNewError,
    StoreError,
    UnknownOrderError,
)
from tradewind.store.records import (
    AccountSnapshot,
    CostSnapshot,
    CostView,
    CycleView,
    EquityPoint,
    EventView,
    HaltView,
    NewEvent,
    NotificationView,
    OutboxMessage,
    PositionSnapshot,
    PositionView,
    RegimeNow,
    RunInfo,
    Uptime,
)

if TYPE_CHECKING:
    from tradewind.store.store import Store, open_store

__all__ = [
    "AccountSnapshot",
    "CostSnapshot",
    "CostView",
    "CycleView",
    "DuplicateCycleError",
    "EquityPoint",
    "EventView",
    "HaltView",
    "ModeMismatchError",
    "NewEvent",
    "NotificationView",
    "OutboxMessage",
    "PositionSnapshot",
    "PositionView",
    "RegimeNow",
    "RunInfo",
    "SchemaTooNewError",
    "Store",
    "StoreError",
    "UnknownOrderError",
    "Uptime",
    "open_store",
]

__getattr__, __dir__ = lazy_exports(
    __name__, {"Store": "tradewind.store.store", "open_store": "tradewind.store.store"}, __all__
)
