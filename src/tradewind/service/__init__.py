"""The trading service: ``tradewind trade`` in simulated, paper and live modes.

One engine for every mode (the backtest's), composed here with the run's kind (a replay or the
wall clock: :mod:`~tradewind.service.kinds`), a broker behind the order manager
(:mod:`tradewind.orders.manager`), the store, reconciliation
(:mod:`~tradewind.orders.reconcile`), halts (:mod:`~tradewind.service.halts`), checkpoints and
recovery (:mod:`~tradewind.service.checkpoint`, :mod:`~tradewind.service.recovery`),
live-trading consent (:mod:`~tradewind.service.live_safety`) and heartbeats
(:mod:`~tradewind.service.heartbeat`).
:class:`TradingService` is the entry point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.lazy import lazy_exports

if TYPE_CHECKING:
    from tradewind.service.runner import ServiceResult, TradeOptions, TradingService
    from tradewind.service.stopping import StopFlag

__all__ = ["ServiceResult", "StopFlag", "TradeOptions", "TradingService"]

# the entry points, imported when first asked for: a command that only reads the store
# (``tradewind status``) imports ``tradewind.service.halts`` without the whole service
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ServiceResult": "tradewind.service.runner",
        "TradeOptions": "tradewind.service.runner",
        "TradingService": "tradewind.service.runner",
        "StopFlag": "tradewind.service.stopping",
    },
    __all__,
)
