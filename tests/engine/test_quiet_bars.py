"""The fast-forward over quiet bars gives the run one cycle per bar gives, to the last bit.

Each backtest runs twice, with ``Engine.fast_forward`` on and off, and everything the run
leaves behind is compared: the recorder (equity, cash, exposure, regime, weights, decisions,
fills, events), the engine's and the risk manager's checkpoint state and the breakers' state.
The configurations make the breakers warn, latch and resume inside stretches of quiet bars.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradewind.backtest.bench_tasks import load_sp500_closes, task_config
from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.data.frames import FramesData
from tradewind.engine.cycle import Engine
from tradewind.risk import RiskManager


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    closes = load_sp500_closes()
    return closes.loc["2006-06-01":"2010-06-30"].iloc[:, :8]


def _run(prices: pd.DataFrame, overrides: dict[str, Any], fast: bool) -> tuple[BacktestRun, int]:
    cfg = task_config("T1", list(prices.columns), overrides=overrides)
    steps = 0
    step = Engine.step

    def counted(self: Engine, t: pd.Timestamp) -> None:
        nonlocal steps
        steps += 1
        step(self, t)

    Engine.fast_forward, Engine.step = fast, counted  # type: ignore[method-assign]
    try:
        return run_backtest(cfg, FramesData(prices, stale_bars=None)), steps
    finally:
        Engine.fast_forward, Engine.step = True, step  # type: ignore[method-assign]


def _risk(frequency: str, **breakers: Any) -> dict[str, Any]:
    base = task_config("T1", ["A"]).model_dump()
    rebalancing = base["portfolio_optimization"]["rebalancing"] | {"frequency": frequency}
    risk = base["risk_management"] | {
        "daily_loss_warning": breakers.pop("daily_warning", 0.98),
        "daily_loss_limit": breakers.pop("daily_limit", 0.99),
    }
    risk["circuit_breaker"] = risk["circuit_breaker"] | breakers
    return {
        "risk_management": risk,
        "portfolio_optimization": base["portfolio_optimization"] | {"rebalancing": rebalancing},
    }


CASES = {
    "monthly, no breaker near": _risk("monthly"),
    "weekly, daily-loss and drawdown warnings": _risk(
        "weekly", daily_warning=0.02, enabled=True, drawdown_warning=0.08, max_drawdown=0.95
    ),
    "quarterly, drawdown halts and a simulated resume": _risk(
        "quarterly",
        daily_warning=0.03,
        daily_limit=0.09,
        enabled=True,
        drawdown_warning=0.1,
        max_drawdown=0.2,
        consecutive_losses=100,
        backtest_resume_sessions=15,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fast_forward_is_identical_to_one_cycle_per_bar(prices: pd.DataFrame, name: str) -> None:
    fast, fast_steps = _run(prices, CASES[name], True)
    slow, slow_steps = _run(prices, CASES[name], False)
    assert slow_steps == len(prices) and fast_steps < len(prices)  # it did skip bars
    if name.startswith("monthly"):
        assert fast_steps < len(prices) // 10  # about one cycle a rebalance
    a, b = fast.summary.recorder, slow.summary.recorder
    assert a.fingerprint() == b.fingerprint()
    assert a.ts == b.ts and a.equity == b.equity and a.cash == b.cash
    assert a.exposure == b.exposure and a.regime == b.regime
    assert np.array_equal(np.vstack(a.weights), np.vstack(b.weights))
    assert a.decisions == b.decisions and a.fills == b.fills and a.events == b.events
    assert fast.engine.state() == slow.engine.state()
    ra, rb = fast.engine.parts.risk, slow.engine.parts.risk
    assert isinstance(ra, RiskManager) and isinstance(rb, RiskManager)
    assert ra.breakers.state == rb.breakers.state and ra.session_index == rb.session_index
    assert ra.state() == rb.state()
    if name != "monthly, no breaker near":
        kinds = {e.kind for e in a.events}
        assert kinds & {"daily_loss_warning", "drawdown_warning", "halt"}, kinds
    if name.startswith("quarterly"):
        assert {"halt", "resume"} <= {e.kind for e in a.events}


def test_configured_stops_run_every_cycle(prices: pd.DataFrame) -> None:
    overrides = _risk("monthly")
    overrides["risk_management"]["stop_loss"] = {"enabled": True, "type": "fixed", "fixed_pct": 0.5}
    _, steps = _run(prices, overrides, True)
    assert steps == len(prices)
