"""Identifier and enumeration types used across tradewind."""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

Symbol = NewType("Symbol", str)
"""An upper-case exchange ticker such as ``AAPL`` or ``BRK.B``."""


class TradingMode(StrEnum):
    """How the engine is wired: which clock, data feed and broker it runs with."""

    BACKTEST = "backtest"
    SIMULATED = "simulated"
    PAPER = "paper"
    LIVE = "live"


class Regime(StrEnum):
    """Market regime labels used by detectors, policies, reports and the dashboard."""

    BULL = "BULL"
    BEAR = "BEAR"
    CHOPPY = "CHOPPY"
    VOLATILE = "VOLATILE"


class Interval(StrEnum):
    """Bar interval supported by the data providers."""

    DAILY = "1d"
    HOURLY = "1h"


EXCHANGE_TZ = "America/New_York"
"""The NYSE's time zone: sessions, trading dates and report weeks are counted in it."""
