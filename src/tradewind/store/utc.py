"""The one rule for a time the store writes: tz-aware, converted to UTC, a plain ``datetime``.

Shared by the SQLAlchemy column type (:class:`~tradewind.store.coltypes.UTCDateTime`) and the
stdlib SQLite writer (:func:`~tradewind.store.sqlite_writer.encode_time`), which must not import
SQLAlchemy; both then keep the result as their database does.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_datetime(value: datetime | None) -> datetime | None:
    """``value`` in UTC as a plain tz-aware ``datetime`` (a ``pandas.Timestamp`` loses its
    nanoseconds, as the database would); None stays None.

    Raises
    ------
    TypeError
        ``value`` is not a datetime.
    ValueError
        ``value`` is naive: a time without a zone is a bug the store will not guess about.
    """
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: the store needs tz-aware times")
    utc = value.astimezone(UTC)
    if type(utc) is not datetime:  # e.g. pandas.Timestamp: keep a plain datetime
        utc = datetime(*utc.timetuple()[:6], utc.microsecond, tzinfo=UTC)
    return utc
