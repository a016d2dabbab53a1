"""Walk-forward backtests and parameter sweeps on the one engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.lazy import lazy_exports

if TYPE_CHECKING:
    from tradewind.backtest.runner import BacktestRun, run_backtest

__all__ = ["BacktestRun", "run_backtest"]

# the runner's names, imported when first asked for (a sweep's plotting or a report's helpers
# do not load the engine)
__getattr__, __dir__ = lazy_exports(
    __name__, dict.fromkeys(__all__, "tradewind.backtest.runner"), __all__
)
