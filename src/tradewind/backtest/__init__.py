"""Walk-forward backtests and parameter sweeps on the one engine."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradewind.backtest.runner import BacktestRun, run_backtest

__all__ = ["BacktestRun", "run_backtest"]


def __getattr__(name: str) -> Any:
    """The runner's names, imported when first asked for (a sweep's plotting or a report's
    helpers do not load the engine)."""
    if name in __all__:
        return getattr(import_module("tradewind.backtest.runner"), name)
    raise AttributeError(f"module 'tradewind.backtest' has no attribute {name!r}")
