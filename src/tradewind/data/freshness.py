"""How old the latest bar may be at a given time: one interval, plus the provider's delay.

On the wall clock, the bar a decision needs is the last one that has *ended* by now, less the
time a provider takes to publish it (``data.publish_delay_minutes``): at 10:30 on a Tuesday the
daily bars must reach Monday's close; at 16:10 (within the delay) Monday's is still enough; on
Wednesday morning Tuesday's is needed. Hourly bars must reach the last hour that ended. A feed
whose latest bar is older is stale: the trading service's data gate blocks trading and alerts
(``service/datagate.py``), instead of trading on old prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tradewind.calendar import MarketCalendar, nyse
from tradewind.domain.types import EXCHANGE_TZ, Interval


def infer_interval(index: pd.DatetimeIndex) -> Interval:
    """Hourly when two of the last bars fall on the same New York date, else daily."""
    tail = index[-50:].tz_convert(EXCHANGE_TZ).normalize()
    return Interval.HOURLY if tail.duplicated().any() else Interval.DAILY


@dataclass(frozen=True)
class Freshness:
    """The freshness rule (see the module docstring).

    Attributes
    ----------
    delay
        How long after a bar ends a provider may take to publish it.
    interval
        Daily or hourly bars; None: inferred from the feed.
    """

    delay: pd.Timedelta = pd.Timedelta(minutes=30)
    interval: Interval | None = None

    def due(
        self, t: pd.Timestamp, interval: Interval, cal: MarketCalendar | None = None
    ) -> pd.Timestamp:
        """The end of the latest bar that must be in the data at ``t`` (UTC)."""
        cal = cal or nyse()
        cutoff = t - self.delay
        # the calendar works in minutes: the last close at or before the cutoff's minute
        close = cal.previous_close(cutoff.floor("min") + pd.Timedelta(minutes=1)).tz_convert("UTC")
        if interval is Interval.DAILY:
            return pd.Timestamp(close)
        if cal.is_open(cutoff):
            day = cutoff.tz_convert(EXCHANGE_TZ).normalize().tz_localize(None)
            ends = cal.hourly_bar_ends(day)
            done = ends[ends <= cutoff]
            if len(done):
                return pd.Timestamp(done[-1])
        return pd.Timestamp(close)

    def problem(self, latest: pd.Timestamp, t: pd.Timestamp, index: pd.DatetimeIndex) -> str | None:
        """Why a feed whose latest bar ends at ``latest`` is stale at ``t`` (None: fresh)."""
        interval = self.interval or infer_interval(index)
        due = self.due(t, interval)
        if latest >= due:
            return None
        kind = "daily" if interval is Interval.DAILY else "hourly"
        return (
            f"stale prices: the latest {kind} bar ends {latest.isoformat()} but the bar ending "
            f"{due.isoformat()} is due by now (one interval plus data.publish_delay_minutes = "
            f"{int(self.delay.total_seconds() // 60)}); no trade on old prices"
        )
