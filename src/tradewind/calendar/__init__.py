"""NYSE trading sessions, hours, holidays and early closes (US/Eastern, tz-aware).

The names below are imported on first use, so a light submodule (``session_hours``, for
``tradewind status``) does not bring pandas with the calendar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.lazy import lazy_exports

if TYPE_CHECKING:
    from tradewind.calendar.market_calendar import EASTERN, FIRST_DAY, MarketCalendar, nyse

__all__ = ["EASTERN", "FIRST_DAY", "MarketCalendar", "nyse"]

__getattr__, __dir__ = lazy_exports(
    __name__, {name: "tradewind.calendar.market_calendar" for name in __all__}, __all__
)
