"""The NYSE calendar, backed by ``exchange_calendars`` (XNYS), with tz-aware answers.

All inputs may be naive (taken as UTC) or tz-aware; all timestamps returned are tz-aware.
Session opens and closes are returned in US/Eastern so they read as a trader expects.

The session table (dates, opens, closes) is read from :mod:`tradewind.calendar.schedule_cache`
when it holds it; ``exchange_calendars`` itself is imported and built only on a cache miss or
for the minute-level questions (:meth:`MarketCalendar.is_open`, ``next_open``, ...), which a
backtest never asks.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd

from tradewind.calendar import schedule_cache, session_hours
from tradewind.domain.types import EXCHANGE_TZ

if TYPE_CHECKING:
    from exchange_calendars import ExchangeCalendar

EASTERN = ZoneInfo(EXCHANGE_TZ)
FIRST_DAY = "1885-01-01"
"""The first day of the calendar: as far back as ``exchange_calendars`` models the NYSE (a
user's S&P 500 history from 1950 loads; building it costs about 0.05 s more than from 1990)."""


def _utc(t: datetime | pd.Timestamp | str) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _day(d: date | datetime | pd.Timestamp | str) -> pd.Timestamp:
    ts = pd.Timestamp(d)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(EASTERN).tz_localize(None)
    return ts.normalize()


class MarketCalendar:
    """NYSE sessions from 1885 (:data:`FIRST_DAY`) to the end of next year.

    Historical closures are included (e.g. 1963-11-25); Saturday sessions (before 1952) are
    not: a file holding them reports them as dates that are not sessions.

    Parameters
    ----------
    start, end
        Range of sessions the calendar knows; outside it, questions raise ``ValueError``.
    """

    def __init__(self, start: str = FIRST_DAY, end: str | None = None) -> None:
        # to the end of next year: the range (and so the stored table's key) changes once a year
        end = end or f"{pd.Timestamp.now(tz='UTC').year + 1}-12-31"
        self._start, self._end = start, end
        cached = schedule_cache.path_for(start, end)
        schedule = schedule_cache.load(cached)
        if schedule is None:
            built = self._cal.schedule
            # through the stored arrays, so a first run and a cached one hold the same objects
            schedule = schedule_cache.Schedule.from_table(built["open"], built["close"])
            schedule_cache.save(cached, schedule)
        self._opens = schedule.opens
        self._closes = schedule.closes
        self._keep_hours()
        regular = self._closes.dt.tz_convert(EASTERN).dt.hour >= 16
        self._early = self._closes[~regular]
        self._sessions = pd.DatetimeIndex(self._closes.index)
        self._first, self._last = self._sessions[0], self._sessions[-1]

    def _keep_hours(self) -> None:
        """Write the coming sessions' hours for ``tradewind status``
        (:mod:`tradewind.calendar.session_hours`) when the stored table is missing or ends soon,
        and this calendar covers today and the months ahead (a calendar of past years only
        never replaces it)."""
        now = pd.Timestamp.now(tz="UTC")
        first = (now - session_hours.BEHIND).timestamp()
        last = (now + session_hours.AHEAD).timestamp()
        closes = self._closes.to_numpy(dtype="datetime64[s]").astype("int64")
        covers = closes[0] <= first and closes[-1] - now.timestamp() >= (
            session_hours.REFRESH_BEFORE.total_seconds()
        )
        if not covers or not session_hours.needs_writing(now.to_pydatetime()):
            return
        opens = self._opens.to_numpy(dtype="datetime64[s]").astype("int64")
        keep = (closes >= first) & (opens <= last)
        session_hours.write_hours(
            list(zip(opens[keep].tolist(), closes[keep].tolist(), strict=True))
        )

    @cached_property
    def _cal(self) -> ExchangeCalendar:
        """The ``exchange_calendars`` XNYS calendar over the same range (built on first use)."""
        import exchange_calendars as xcals

        return xcals.get_calendar("XNYS", start=self._start, end=self._end)

    # --- sessions -------------------------------------------------------------------------
    @property
    def first_session(self) -> pd.Timestamp:
        """The first session date the calendar knows (naive, midnight)."""
        return pd.Timestamp(self._closes.index[0])

    @property
    def last_session(self) -> pd.Timestamp:
        """The last session date the calendar knows (naive, midnight; in December of next
        year)."""
        return pd.Timestamp(self._closes.index[-1])

    def is_session(self, day: date | datetime | pd.Timestamp | str) -> bool:
        """True if the NYSE trades on ``day`` (a calendar date in New York)."""
        d = _day(day)
        if not self._first <= d <= self._last:
            return bool(self._cal.is_session(d))  # raises DateOutOfBounds (a ValueError)
        return d in self._sessions

    def sessions(
        self, start: date | pd.Timestamp | str, end: date | pd.Timestamp | str
    ) -> pd.DatetimeIndex:
        """Session dates (naive, midnight) from ``start`` to ``end`` inclusive."""
        first, last = _day(start), _day(end)
        if not (self._first <= first <= self._last and self._first <= last <= self._last):
            return pd.DatetimeIndex(self._cal.sessions_in_range(first, last))  # raises
        index = self._sessions
        return index[index.searchsorted(first) : index.searchsorted(last, side="right")]

    def session_close(self, day: date | datetime | pd.Timestamp | str) -> pd.Timestamp:
        """The close of session ``day`` in US/Eastern (13:00 on early-close days)."""
        return pd.Timestamp(self._closes.loc[_day(day)]).tz_convert(EASTERN)

    def session_open(self, day: date | datetime | pd.Timestamp | str) -> pd.Timestamp:
        """The open of session ``day`` in US/Eastern."""
        return pd.Timestamp(self._opens.loc[_day(day)]).tz_convert(EASTERN)

    def session_closes(self, days: pd.DatetimeIndex) -> pd.DatetimeIndex:
        """Closes (UTC) of many session dates at once; a non-session date raises ``KeyError``."""
        idx = pd.DatetimeIndex(days)
        if idx.tz is not None:
            idx = idx.tz_convert(EASTERN).tz_localize(None)
        idx = idx.normalize()
        missing = idx.difference(self._sessions)
        if len(missing):
            raise KeyError(f"not NYSE sessions: {[d.date().isoformat() for d in missing[:5]]}")
        return pd.DatetimeIndex(self._closes.reindex(idx)).tz_convert("UTC")

    # --- hours ----------------------------------------------------------------------------
    def is_open(self, t: datetime | pd.Timestamp | str) -> bool:
        """True if the NYSE is in its regular session at instant ``t`` (open inclusive)."""
        return bool(self._cal.is_open_on_minute(_utc(t).floor("min")))

    def next_open(self, t: datetime | pd.Timestamp | str) -> pd.Timestamp:
        """The first session open strictly after ``t``, in US/Eastern."""
        return pd.Timestamp(self._cal.next_open(_utc(t))).tz_convert(EASTERN)

    def next_close(self, t: datetime | pd.Timestamp | str) -> pd.Timestamp:
        """The first session close strictly after ``t``, in US/Eastern."""
        return pd.Timestamp(self._cal.next_close(_utc(t))).tz_convert(EASTERN)

    def market_now(self, t: datetime | pd.Timestamp | str) -> session_hours.MarketNow:
        """Whether the NYSE is open at ``t`` and until when (see
        :func:`tradewind.calendar.session_hours.market_now`, which reads the same answer from
        the stored table)."""
        at = _utc(t)
        close = self.next_close(at).tz_convert("UTC")
        open_ = self.next_open(at).tz_convert("UTC")
        if close < open_:  # in a session: it closes before the next one opens
            open_ = self.session_open(close).tz_convert("UTC")
        else:
            close = self.next_close(open_).tz_convert("UTC")
        return session_hours.MarketNow(
            at.to_pydatetime(),
            bool(open_ <= at < close),
            open_.to_pydatetime(),
            close.to_pydatetime(),
        )

    def previous_close(self, t: datetime | pd.Timestamp | str) -> pd.Timestamp:
        """The last session close strictly before ``t``, in US/Eastern."""
        return pd.Timestamp(self._cal.previous_close(_utc(t))).tz_convert(EASTERN)

    # --- special days ---------------------------------------------------------------------
    def is_early_close(self, day: date | datetime | pd.Timestamp | str) -> bool:
        """True if session ``day`` closes before 16:00 ET (e.g. the day after Thanksgiving)."""
        return _day(day) in self._early.index

    def early_closes(
        self, start: date | pd.Timestamp | str, end: date | pd.Timestamp | str
    ) -> pd.DatetimeIndex:
        """Early-close session dates between ``start`` and ``end``."""
        idx = self._early.index
        return pd.DatetimeIndex(idx[(idx >= _day(start)) & (idx <= _day(end))])

    def holidays(
        self, start: date | pd.Timestamp | str, end: date | pd.Timestamp | str
    ) -> pd.DatetimeIndex:
        """Weekdays between ``start`` and ``end`` on which the NYSE is closed."""
        weekdays = pd.bdate_range(_day(start), _day(end))
        return weekdays.difference(self.sessions(start, end))

    def hourly_bar_ends(self, day: date | datetime | pd.Timestamp | str) -> pd.DatetimeIndex:
        """End times (UTC) of session ``day``'s hourly bars: 10:30, 11:30, ... and the close."""
        open_, close = self.session_open(day), self.session_close(day)
        ends = list(pd.date_range(open_ + pd.Timedelta(hours=1), close, freq="h"))
        if not ends or ends[-1] != close:
            ends.append(close)
        return pd.DatetimeIndex(ends).tz_convert("UTC")


@lru_cache(maxsize=1)
def nyse() -> MarketCalendar:
    """The shared NYSE calendar (built once per process)."""
    return MarketCalendar()
