"""NYSE trading sessions, hours, holidays and early closes (US/Eastern, tz-aware)."""

from tradewind.calendar.nyse import EASTERN, FIRST_DAY, MarketCalendar, nyse

__all__ = ["EASTERN", "FIRST_DAY", "MarketCalendar", "nyse"]
