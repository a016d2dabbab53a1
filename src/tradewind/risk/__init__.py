"""Risk management: stops, latched circuit breakers, pre-trade limits and halts.

:class:`RiskManager` is the engine's risk hook; :mod:`~tradewind.risk.stops`,
:mod:`~tradewind.risk.breakers` and :mod:`~tradewind.risk.limits` hold the rules, and
:mod:`~tradewind.risk.halt` the latched halt's types and the in-memory store of backtests (the
trading service keeps halts in its database: :mod:`tradewind.service.halts`).

The names below are imported on first use, so ``tradewind.risk.breakers`` (read by
``tradewind status``) does not bring the engine's pandas-based limits with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.lazy import lazy_exports

if TYPE_CHECKING:
    from tradewind.risk.breaker_params import BreakerParams
    from tradewind.risk.breakers import Breakers, BreakerState, Trip
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

_WHERE: dict[str, str] = {
    "BreakerParams": "tradewind.risk.breaker_params",
    "BreakerState": "tradewind.risk.breakers",
    "Breakers": "tradewind.risk.breakers",
    "HaltState": "tradewind.risk.halt",
    "HaltStore": "tradewind.risk.halt",
    "LimitsOnly": "tradewind.risk.limits",
    "MemoryHaltStore": "tradewind.risk.halt",
    "ResumeRecord": "tradewind.risk.halt",
    "RiskManager": "tradewind.risk.manager",
    "RiskStateError": "tradewind.risk.halt",
    "StopBook": "tradewind.risk.stops",
    "StopHit": "tradewind.risk.stops",
    "StopLevels": "tradewind.risk.stops",
    "StopParams": "tradewind.risk.stops",
    "TrackerStore": "tradewind.risk.halt",
    "Trip": "tradewind.risk.breakers",
    "apply_limits": "tradewind.risk.limits",
}
"""The submodule defining each public name: imported on first use (PEP 562), so importing one
light submodule of this package does not import its heavy siblings."""

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
