"""Column types shared by the schema: UTC timestamps and JSON.

Money, prices and quantities are stored as ``Double`` (IEEE float64): the engine and its ledger
compute in float64, so a value read back is bit-for-bit the value the engine wrote, and fills
replayed from the store rebuild exactly the ledger the engine had. ``Decimal`` belongs to the
broker boundary, where adapters convert. A float64 is exact to about 1e-6 USD on a 1e9 USD book.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from tradewind.store.records import JSONValue as JSONValue  # defined there, without SQLAlchemy
from tradewind.store.utc import utc_datetime


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back tz-aware (UTC).

    Naive datetimes are refused on write: a time without a zone is a bug the store will not guess
    about. SQLite keeps the UTC wall time as text (which sorts in time order); PostgreSQL keeps a
    ``timestamp with time zone``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert ``value`` to UTC (naive for SQLite, aware elsewhere)."""
        utc = utc_datetime(value)
        if utc is None:
            return None
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return ``value`` as a tz-aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc(value: datetime) -> datetime:
    """``value`` as tz-aware UTC (naive values are refused, as on write)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: the store needs tz-aware times")
    return value.astimezone(UTC)


JSONType = JSON(none_as_null=True)
"""JSON documents (text on SQLite, ``json`` on PostgreSQL); Python ``None`` is SQL NULL."""
