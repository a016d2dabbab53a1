"""Risk management: stops, latched circuit breakers, pre-trade limits and halt persistence.

:class:`RiskManager` is the engine's risk hook; :mod:`~tradewind.risk.stops`,
:mod:`~tradewind.risk.breakers` and :mod:`~tradewind.risk.limits` hold the rules, and
:mod:`~tradewind.risk.halt` the latched halt and where it is kept.
"""

from pathlib import Path

from tradewind.config import TradewindConfig
from tradewind.risk.breakers import BreakerParams, Breakers, BreakerState, Trip
from tradewind.risk.halt import (
    HaltState,
    HaltStore,
    JsonHaltStore,
    MemoryHaltStore,
    ResumeRecord,
    RiskStateError,
    TrackerStore,
)
from tradewind.risk.limits import LimitsOnly, apply_limits
from tradewind.risk.manager import RiskManager
from tradewind.risk.stops import StopBook, StopHit, StopLevels, StopParams


def state_path(cfg: TradewindConfig) -> Path:
    """The halt file of ``cfg``'s trading mode (``risk_management.state_path``)."""
    return Path(cfg.risk_management.state_path.replace("{mode}", cfg.trading.mode.value))


__all__ = [
    "BreakerParams",
    "BreakerState",
    "Breakers",
    "HaltState",
    "HaltStore",
    "JsonHaltStore",
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
    "state_path",
]
