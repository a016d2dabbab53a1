"""A rebalance capped by ``max_trades_per_rebalance`` is carried to the next cycles.

The rule (README, configuration reference): the trades the cap leaves out are placed in the
next cycles, at most ``max_trades_per_rebalance`` a cycle, toward the same targets (no new
optimisation); meanwhile the drift trigger does not fire on the drift the carry is closing, and
the calendar or a regime change starts a fresh rebalance whose targets replace the pending ones.
After a rebalance that could place no order at all, drift is measured from the portfolio it left.
Before this rule a capped rebalance left the drift open, so the drift trigger fired a fresh
rebalance (new targets from the optimizer) on every bar until the portfolio caught up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.config import TradewindConfig, validate_config
from tradewind.data import get_market_data
from tradewind.domain.records import Decision

N_SYMBOLS = 500
MAX_TRADES = 20
START = pd.Timestamp("2019-01-02", tz="America/New_York")
END = pd.Timestamp("2019-12-31 23:00", tz="America/New_York")


def _cfg(tmp: Path, min_trade_value: float = 2000.0) -> TradewindConfig:
    return validate_config(
        {
            "trading": {
                "symbols": [f"S{i:03d}" for i in range(N_SYMBOLS)],
                "initial_capital": 10_000_000.0,
            },
            "data": {
                "source": "synthetic",
                "benchmark": "SP500",
                "synthetic": {"start": "2018-06-01", "end": "2019-12-31"},
            },
            "portfolio_optimization": {
                "method": "equal_weight",
                "regime_aware": False,
                "rebalancing": {
                    "trigger_type": "combined",
                    "frequency": "monthly",
                    "drift_threshold": 0.10,
                    "min_trade_value": min_trade_value,
                    "max_trades_per_rebalance": MAX_TRADES,
                },
            },
            "risk_management": {
                "max_position_size": 0.05,
                "max_portfolio_risk": 1.0,
                "stop_loss": {"enabled": False},
                "circuit_breaker": {"enabled": False},
            },
            "notifications": {"discord": {"enabled": False}},
            "database": {"url": f"sqlite:///{tmp / 'tw.db'}"},
            "logging": {"path": str(tmp / "trading.log")},
        }
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> BacktestRun:
    cfg = _cfg(tmp_path_factory.mktemp("capped"))
    return run_backtest(cfg, get_market_data(cfg), START, END)


def _carried(d: Decision) -> bool:
    return bool(d.reasons) and d.reasons[0].startswith("carry:")


def test_rebalances_stay_near_the_calendar_count(run: BacktestRun) -> None:
    decisions = run.summary.recorder.decisions
    fresh = [d for d in decisions if not _carried(d)]  # new targets: calendar or drift
    carried = [d for d in decisions if _carried(d)]
    months = len({(t.year, t.month) for t in run.summary.recorder.ts})
    # one calendar rebalance a month, plus the odd drift one: not one every bar
    assert months == 12 and len(fresh) <= months + 2, [d.reasons for d in fresh]
    assert run.summary.performance.rebalances <= len(fresh)  # carries are not counted
    assert len(carried) >= 25
    assert all(0 < len(d.orders) <= MAX_TRADES for d in carried)
    assert all(d.targets == () for d in carried)  # no new targets: the rebalance's own


def test_the_carry_continues_the_first_rebalance(run: BacktestRun) -> None:
    decisions = run.summary.recorder.decisions
    sessions = list(run.summary.recorder.ts)
    first = decisions[0]
    assert len(first.orders) == MAX_TRADES and "max_trades" in " ".join(first.notes)
    chain = [first]
    for d in decisions[1:]:
        if not _carried(d):
            break
        assert d.reasons[0].startswith(f"carry: continuing the rebalance of {first.ts.date()}")
        chain.append(d)
    # one carry a session from the next session on, each placing the cap's worth of trades,
    # until the next calendar rebalance (2019-02-01) takes over with fresh targets
    at = [sessions.index(pd.Timestamp(d.ts)) for d in chain]
    assert at == list(range(at[0], at[0] + len(chain)))
    assert all(len(d.orders) == MAX_TRADES for d in chain)
    assert len({o.symbol for d in chain for o in d.orders}) == MAX_TRADES * len(chain)
    nxt = decisions[len(chain)]
    assert nxt.reasons[0].startswith("calendar") and nxt.ts.month == 2
    # which finishes the job: by the end of February's carry, every symbol is held
    feb_end = max(sessions.index(pd.Timestamp(d.ts)) for d in decisions if d.ts.month == 2)
    assert (np.asarray(run.summary.recorder.weights[feb_end]) > 0).all()


def test_the_carry_survives_a_checkpoint(run: BacktestRun) -> None:
    engine = run.engine
    state = engine.state()
    assert "carry_since" in state
    engine.carry_since = START
    saved = engine.state()
    engine.carry_since = None
    engine.restore(saved)
    assert engine.carry_since == START


def test_a_rebalance_that_cannot_trade_does_not_fire_every_bar(tmp_path: Path) -> None:
    """$10M over 500 symbols is $20,000 a position: with a minimum trade of $25,000 no trade
    can be placed, and the all-cash portfolio stays 100% away from its targets. The drift
    trigger then measures from the portfolio that rebalance left (all cash), so only the
    calendar asks again (once a month), not the drift trigger on every bar."""
    cfg = _cfg(tmp_path, min_trade_value=25_000.0)
    run = run_backtest(cfg, get_market_data(cfg), START, END)
    decisions = run.summary.recorder.decisions
    assert all(not d.orders for d in decisions)
    assert "below_min_trade_value" in decisions[0].notes[0]
    assert len(decisions) == 12, [d.reasons for d in decisions]  # one a month
    assert all(d.reasons[0].startswith("calendar") for d in decisions[1:])
    assert run.engine.drift_from is not None and not run.engine.drift_from.any()
    saved = run.engine.state()
    run.engine.drift_from = None
    run.engine.restore(saved)
    assert run.engine.drift_from is not None
