"""Numbers and times as the dashboard prints them (one format per kind of figure).

The texts match the reports' (``+1.2%`` for returns, ``$1,234.56`` for money, ``n/a`` where a
figure does not exist yet), so a figure read on the dashboard can be found in ``tradewind
report`` as written.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pandas as pd

from tradewind.reports.costs import usd as _usd
from tradewind.reports.rolling import NEW_YORK

NA = "n/a"


def signed_pct(x: float | None, decimals: int = 1) -> str:
    """``+1.2%`` (returns), or n/a."""
    return NA if x is None or not math.isfinite(x) else f"{x:+.{decimals}%}"


def pct(x: float | None, decimals: int = 1) -> str:
    """``12.3%`` (weights, shares, drawdowns), or n/a."""
    return NA if x is None or not math.isfinite(x) else f"{x:.{decimals}%}"


def ratio(x: float | None, decimals: int = 2) -> str:
    """``1.23`` (Sharpe, profit factor), ``inf`` for an unbounded ratio, or n/a."""
    if x is None or math.isnan(x):
        return NA
    return "inf" if math.isinf(x) else f"{x:.{decimals}f}"


def usd(x: float | None, decimals: int = 2) -> str:
    """``$1,234.56`` / ``-$12.00`` (the reports' format), or n/a."""
    return NA if x is None or not math.isfinite(x) else _usd(x, decimals)


def when(ts: datetime | pd.Timestamp | None) -> str:
    """``2026-03-04 10:30 ET`` (New York time: sessions are read there), or n/a."""
    if ts is None:
        return NA
    t = pd.Timestamp(ts)
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
    return f"{t.tz_convert(NEW_YORK):%Y-%m-%d %H:%M} ET"


def day(ts: datetime | pd.Timestamp | None) -> str:
    """``2026-03-04`` (the New York date), or n/a."""
    return NA if ts is None else when(ts)[:10]


def clock(ts: datetime | pd.Timestamp | None) -> str:
    """``10:30 ET`` (New York time of day), or n/a."""
    return NA if ts is None else when(ts)[11:]


def signed_usd(x: float | None, decimals: int = 2) -> str:
    """``+$12.00`` / ``-$3.50`` (differences), or n/a."""
    if x is None or not math.isfinite(x):
        return NA
    return ("+" if x >= 0 else "") + _usd(x, decimals)


def age(delta: timedelta | pd.Timedelta | None) -> str:
    """``3 h 05 min`` / ``2 d 4 h`` / ``45 s`` (how long ago), or n/a."""
    if delta is None:
        return NA
    seconds = int(pd.Timedelta(delta).total_seconds())
    if seconds < 0:
        return "in the future"
    if seconds < 120:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 2:
        return f"{minutes} min"
    if days < 2:
        return f"{hours} h {minutes % 60:02d} min"
    return f"{days} d {hours % 24} h"
