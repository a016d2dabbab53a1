"""The trading service: ``tradewind trade`` in simulated, paper and live modes.

One engine for every mode (the backtest's), composed here with a clock and schedule
(:mod:`~tradewind.service.scheduler`), a broker behind the order manager
(:mod:`tradewind.orders.manager`), the store, reconciliation
(:mod:`~tradewind.orders.reconcile`), checkpoints and recovery
(:mod:`~tradewind.service.checkpoint`, :mod:`~tradewind.service.recovery`), live-trading consent
(:mod:`~tradewind.service.live_safety`) and heartbeats (:mod:`~tradewind.service.heartbeat`).
:class:`TradingService` is the entry point.
"""

from tradewind.service.runner import ServiceResult, TradeOptions, TradingService
from tradewind.service.scheduler import SessionScheduler, StopFlag

__all__ = ["ServiceResult", "SessionScheduler", "StopFlag", "TradeOptions", "TradingService"]
