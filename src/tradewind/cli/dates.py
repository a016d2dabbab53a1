"""Dates on the command line (``--asof``, ``--start``, ``--end``), read and checked in one place.

Every date option of every command goes through this module, so a typo or a date the NYSE
calendar does not know is a :class:`~tradewind.domain.errors.ConfigError` (exit 2) naming the
option, the value and the allowed range, never a traceback:

==========  ==================================================================================
option      allowed
==========  ==================================================================================
``--asof``  a date from the calendar's first session (1885-01-01) to its last (about a year
            ahead); the decision uses data up to the close of the last session on or before it
``--start`` any date up to the calendar's last session (an earlier one means "from the first
            bar")
``--end``   any date from the calendar's first session on, not before ``--start``
==========  ==================================================================================

A date is ``YYYY-MM-DD`` (anything pandas reads as one day; a time or offset is taken in New
York). An ``--asof`` after the end of the data is answered from the last bar there is;
:func:`past_data_warning` says so, naming the last date used.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import pandas as pd

from tradewind.calendar import EASTERN, nyse
from tradewind.domain.errors import UsageError

_EXAMPLE = "use YYYY-MM-DD, e.g. 2015-01-02"


def read_day(text: str, option: str) -> pd.Timestamp:
    """``text`` as a date (naive midnight, New York time), or a ConfigError naming ``option``."""
    try:
        parsed = pd.Timestamp(text)
    except (ValueError, OverflowError):
        parsed = None
    if not isinstance(parsed, pd.Timestamp) or pd.isna(parsed):
        raise UsageError(f"{option} {text!r} is not a date; {_EXAMPLE}")
    ts = parsed
    if ts.tzinfo is not None:
        ts = ts.tz_convert(EASTERN).tz_localize(None)
    return ts.normalize()


def _span() -> tuple[pd.Timestamp, pd.Timestamp]:
    cal = nyse()
    return cal.first_session, cal.last_session


def _outside(option: str, text: str, what: str) -> UsageError:
    first, last = _span()
    return UsageError(
        f"{option} {text} is {what} the NYSE calendar tradewind knows (sessions "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d}); give a date in that range"
    )


def parse_start(text: str | None, option: str = "--start") -> pd.Timestamp | None:
    """The start of day ``text`` in New York (None stays None: from the first bar)."""
    if text is None:
        return None
    day = read_day(text, option)
    if day > _span()[1]:
        raise _outside(option, text, "after")
    return day.tz_localize(EASTERN)


def parse_end(text: str | None, option: str = "--end") -> pd.Timestamp | None:
    """The last instant of day ``text`` in New York (None stays None: to the last bar)."""
    if text is None:
        return None
    day = read_day(text, option)
    if day < _span()[0]:
        raise _outside(option, text, "before")
    return day.tz_localize(EASTERN) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")


def parse_span(
    start: str | None, end: str | None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """``--start`` and ``--end`` together (see :func:`parse_start`, :func:`parse_end`).

    Raises
    ------
    ConfigError
        Either is not a date, is out of range, or ``--end`` comes before ``--start``.
    """
    lo, hi = parse_start(start), parse_end(end)
    if lo is not None and hi is not None and hi < lo:
        raise UsageError(f"--end {end} is before --start {start}; swap them")
    return lo, hi


def asof_close(text: str, option: str = "--asof") -> pd.Timestamp:
    """The close (UTC) of the last NYSE session on or before date ``text``.

    Raises
    ------
    ConfigError
        ``text`` is not a date, or lies outside the calendar (see the module table).
    """
    day = read_day(text, option)
    first, last = _span()
    if day < first:
        raise _outside(option, text, "before")
    if day > last:
        raise _outside(option, text, "after")
    cal = nyse()
    sessions = cal.sessions(max(day - pd.Timedelta(days=10), first), day)
    return pd.Timestamp(cal.session_closes(sessions[-1:])[0])


def past_data_warning(
    option: str, asof: pd.Timestamp, last_bars: Mapping[str, pd.Timestamp], max_age_days: int
) -> str | None:
    """A warning when a series ends more than ``max_age_days`` before ``asof`` (else None).

    Use ``data.stale_after_days`` as the limit: the age beyond which a series is stale.
    The result is then computed from data up to that series' last bar, not up to ``asof``;
    the warning names the series and the last date used.
    """
    max_age = timedelta(days=max_age_days)
    old = {s: pd.Timestamp(t) for s, t in last_bars.items() if asof - pd.Timestamp(t) > max_age}
    if not old:
        return None
    days = sorted({t.tz_convert(EASTERN).date() for t in old.values()})
    when = days[0].isoformat() if len(days) == 1 else f"{days[0]} to {days[-1]}"
    names = sorted(old)
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    gap = (asof - max(old.values())).days
    return (
        f"{option} {asof.tz_convert(EASTERN):%Y-%m-%d} is past the end of the data: the last "
        f"bar of {shown} is {when} ({gap} days earlier), so the result uses data up to "
        f"{days[-1]}, not up to {asof.tz_convert(EASTERN):%Y-%m-%d}"
    )
