"""NYSE trading sessions, hours, holidays and early closes (US/Eastern, tz-aware)."""

from tradewind.calendar.nyse import EASTERN, MarketCalendar, nyse

__all__ = ["EASTERN", "MarketCalendar", "nyse"]
