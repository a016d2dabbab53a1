"""Risk management: stops, latched circuit breakers, pre-trade limits and halts.

:class:`RiskManager` is the engine's risk hook; :mod:`~tradewind.risk.stops`,
:mod:`~tradewind.risk.breakers` and :mod:`~tradewind.risk.limits` hold the rules, and
:mod:`~tradewind.risk.halt` the latched halt's types and the in-memory store of backtests (the
trading service keeps halts in its database: :mod:`tradewind.service.halts`).
"""

from tradewind.risk.breakers import BreakerParams, Breakers, BreakerState, Trip
from tradewind.risk.halt import (
    HaltState,
    HaltStore,
    MemoryHaltStore,
    ResumeRecord,
    RiskStateError,
    TrackerStore,
)
from tradewind.risk.limits import LimitsOnly, apply_limits
from tradewind.risk.manager import RiskManager
from tradewind.risk.stops import StopBook, StopHit, StopLevels, StopParams

__all__ = [
    "BreakerParams",
    "BreakerState",
    "Breakers",
    "HaltState",
    "HaltStore",
    "LimitsOnly",
    "MemoryHaltStore",
    "ResumeRecord",
    "RiskManager",
    "RiskStateError",
    "StopBook",
    "StopHit",
    "StopLevels",
    "StopParams",
    "TrackerStore",
    "Trip",
    "apply_limits",
]
