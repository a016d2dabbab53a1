"""Walk-forward backtests and parameter sweeps on the one engine."""

from tradewind.backtest.runner import BacktestRun, run_backtest

__all__ = ["BacktestRun", "run_backtest"]
