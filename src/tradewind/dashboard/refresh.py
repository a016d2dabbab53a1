"""How often the page refreshes itself: often while the NYSE is open, rarely when it is closed.

While a session is open, trades and cycles can arrive any minute, so the page reloads every
``dashboard.refresh_seconds``; when the market is closed nothing changes until the next open,
so it reloads every ``dashboard.closed_refresh_seconds`` (often enough to notice the open and
speed up). The refreshed part re-reads the database only when it changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from tradewind.calendar import MarketCalendar, nyse
from tradewind.config import DashboardSection


@dataclass(frozen=True)
class RefreshPlan:
    """Whether the market is open at ``now`` and the refresh period that follows."""

    market_open: bool
    seconds: int
    next_change: pd.Timestamp
    """The next open (market closed) or close (market open), UTC."""

    def describe(self) -> str:
        """``auto-refresh every 60 s (NYSE open until 16:00 ET)``."""
        local = self.next_change.tz_convert("America/New_York")
        state = (
            f"NYSE open until {local:%H:%M} ET"
            if self.market_open
            else f"NYSE closed, opens {local:%a %Y-%m-%d %H:%M} ET"
        )
        return f"auto-refresh every {self.seconds} s ({state})"


def refresh_plan(
    section: DashboardSection, now: datetime | pd.Timestamp, cal: MarketCalendar | None = None
) -> RefreshPlan:
    """The refresh period at ``now`` (tz-aware) under ``section``."""
    cal = cal or nyse()
    t = pd.Timestamp(now)
    if cal.is_open(t):
        return RefreshPlan(True, section.refresh_seconds, cal.next_close(t).tz_convert("UTC"))
    return RefreshPlan(False, section.closed_refresh_seconds, cal.next_open(t).tz_convert("UTC"))
