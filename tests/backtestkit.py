"""Real backtests on the bundled data that several test folders share (``tests/`` is on
``sys.path`` while the tests run): built once per module by the fixtures that call them."""

from __future__ import annotations

import pandas as pd

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.config import validate_config
from tradewind.data import get_market_data

ET = "America/New_York"

EIGHT_STOCKS = ["AAPL", "MSFT", "JPM", "JNJ", "XOM", "KO", "PG", "CVX"]
"""Eight bundled stocks (also symbols of the synthetic market)."""

EVERY_COST = {
    "commission": {"per_share": 0.005, "per_order": 1.0, "pct_of_value": 0.0005, "minimum": 1.5},
    "market_impact": {"enabled": True, "coefficient": 0.3},
}
"""An ``execution`` section with every cost part: commission (each kind) and market impact."""

STOPS_AND_FLATTENING_HALTS = {
    "stop_loss": {"enabled": True},
    "daily_loss_limit": 0.02,
    "daily_loss_warning": 0.01,
    "circuit_breaker": {
        "max_drawdown": 0.08,
        "drawdown_warning": 0.05,
        "flatten_on_halt": True,
        "backtest_resume_sessions": 5,
    },
}
"""A ``risk_management`` section that stops, halts and flattens often (resumed after 5 sessions)."""


def busy_backtest() -> BacktestRun:
    """2008-2009 on six bundled stocks, regime-aware, weekly and drift rebalances, trailing
    stops and the breakers (resumed after 5 sessions): many fills, stop exits, warnings, halts
    and regime changes."""
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "JPM", "KO", "XOM", "WMT"]},
            "data": {"source": "bundled"},
            "portfolio_optimization": {
                "regime_aware": True,
                "rebalancing": {"trigger_type": "combined", "frequency": "weekly"},
            },
            "risk_management": {
                "stop_loss": {"enabled": True, "type": "trailing"},
                "circuit_breaker": {"backtest_resume_sessions": 5},
            },
            "notifications": {"discord": {"enabled": False}},
        }
    )
    return run_backtest(cfg, get_market_data(cfg), "2008-01-02", "2009-12-31")


def stops_backtest() -> BacktestRun:
    """Nine months of 2019 on four bundled stocks with 6% trailing stops: decisions with several
    orders, fills, stop exits merged with rebalances, refusals and events."""
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "JPM", "KO"]},
            "data": {"source": "bundled"},
            "notifications": {"discord": {"enabled": False}},
            "risk_management": {"stop_loss": {"type": "trailing", "trailing_pct": 0.06}},
        }
    )
    start = pd.Timestamp("2019-01-02", tz=ET)
    return run_backtest(cfg, get_market_data(cfg), start, pd.Timestamp("2019-09-30 23:00", tz=ET))
