"""The fast-forward over quiet bars gives the run one cycle per bar gives, to the last bit.

Each backtest runs twice, with ``Engine.fast_forward`` on and off, and everything the run
leaves behind is compared: the recorder (equity, cash, exposure, regime, weights, decisions,
fills, events), the engine's and the risk manager's checkpoint state and the breakers' state.
The configurations make the breakers warn, latch and resume inside stretches of quiet bars.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradewind.backtest.bench_tasks import load_sp500_closes, task_config
from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.data.frames import FramesData
from tradewind.domain.types import Regime
from tradewind.engine.cycle import Engine
from tradewind.engine.protocols import RegimeHook
from tradewind.engine.regime_hooks import ScheduledRegime
from tradewind.risk import RiskManager


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    closes = load_sp500_closes()
    return closes.loc["2006-06-01":"2010-06-30"].iloc[:, :8]


def _run(
    prices: pd.DataFrame,
    overrides: dict[str, Any],
    fast: bool,
    regime: Callable[[], RegimeHook] | None = None,
) -> tuple[BacktestRun, int]:
    cfg = task_config("T1", list(prices.columns), overrides=overrides)
    steps = 0
    step = Engine.step

    def counted(self: Engine, t: pd.Timestamp) -> None:
        nonlocal steps
        steps += 1
        step(self, t)

    Engine.fast_forward, Engine.step = fast, counted  # type: ignore[method-assign]
    try:
        hook = regime() if regime is not None else None
        return run_backtest(cfg, FramesData(prices, stale_bars=None), regime=hook), steps
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


def _combined(drift: float, *, regime_aware: bool = False) -> dict[str, Any]:
    """Monthly and drift rebalances (and regime changes when regime-aware), breakers warning."""
    overrides = _risk("monthly", daily_warning=0.02, enabled=True, drawdown_warning=0.08)
    section = overrides["portfolio_optimization"]
    rebalancing = section["rebalancing"] | {
        "trigger_type": "combined",
        "drift_threshold": drift,
        "on_regime_change": regime_aware,
    }
    overrides["portfolio_optimization"] = section | {
        "rebalancing": rebalancing,
        "regime_aware": regime_aware,
    }
    return overrides


def _scheduled(prices: pd.DataFrame) -> ScheduledRegime:
    """A detector's decisions over ``prices``' bars: 60 bars of warm-up, then regimes held for
    5 to 60 bars each (seeded), with their confidence changing every bar."""
    rng = np.random.default_rng(11)
    index = FramesData(prices).closes.index
    labels: list[object] = [np.nan] * 60
    while len(labels) < len(index):
        labels += [rng.choice([r.value for r in Regime])] * int(rng.integers(5, 60))
    frame = pd.DataFrame(
        {"regime": labels[: len(index)], "confidence": rng.uniform(0.3, 1.0, len(index))},
        index=index,
    )
    return ScheduledRegime(frame)


CASES["combined, drift that fires between the month's rebalances"] = _combined(0.03)
CASES["regime-aware, a detector's regimes, drift and monthly"] = _combined(0.05, regime_aware=True)
REGIMES = {"regime-aware, a detector's regimes, drift and monthly": _scheduled}


@pytest.mark.parametrize("name", list(CASES))
def test_fast_forward_is_identical_to_one_cycle_per_bar(prices: pd.DataFrame, name: str) -> None:
    make = REGIMES.get(name)
    regime = (lambda: make(prices)) if make is not None else None
    fast, fast_steps = _run(prices, CASES[name], True, regime)
    slow, slow_steps = _run(prices, CASES[name], False, regime)
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
    reasons = {r.split(" ")[0] for d in a.decisions for r in d.reasons}
    if "drift" in name:
        assert "drift" in reasons, reasons  # drift fired inside what would be quiet stretches
    if name in REGIMES:
        assert {"regime", "calendar:"} <= reasons, reasons
        assert "regime_change" in {e.kind for e in a.events}


def test_configured_stops_run_every_cycle(prices: pd.DataFrame) -> None:
    overrides = _risk("monthly")
    overrides["risk_management"]["stop_loss"] = {"enabled": True, "type": "fixed", "fixed_pct": 0.5}
    _, steps = _run(prices, overrides, True)
    assert steps == len(prices)
