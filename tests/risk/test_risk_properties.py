"""Invariants of the risk manager over random price paths, caps and (adversarial) targets.

After every cycle, measured at that cycle's prices and net of the costs actually paid:

* a position the cycle bought is within the position cap;
* if the cycle bought anything, total exposure is within the exposure cap (the policy's
  ``invested_fraction``: ``max_portfolio_risk`` less the cash buffer);
* while a halt is latched, no order increases any position, and no halt ever clears by itself.

Positions are not forced back under a cap when *prices* carry them over it (that is the
rebalancer's job); what the risk manager guarantees is that no order takes them there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from riskkit import FlatCosts, make_engine, stamps

from tradewind.domain import ClientOrderId, Fill, Side, Symbol
from tradewind.domain.arrays import FloatArray
from tradewind.domain.market import BarSet
from tradewind.domain.plans import Policy, TargetDecision
from tradewind.engine.cycle import Engine
from tradewind.engine.feed import MarketFeed
from tradewind.risk import BreakerParams, RiskManager, StopParams

SYMS = ("AAA", "BBB", "CCC", "DDD")
TOL = 1e-9


class RandomTargets:
    """Targets that ignore the caps: random weights summing to up to 1.5."""

    history_rows = 1

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def targets(
        self,
        feed: MarketFeed,
        policy: Policy,
        current: FloatArray,
        exclude: frozenset[str] = frozenset(),
    ) -> TargetDecision:
        n = len(feed.symbols)
        w = self.rng.dirichlet(np.ones(n)) * self.rng.uniform(0.2, 1.5)
        return TargetDecision(w, "random")


@st.composite
def markets(draw: st.DrawFn) -> BarSet:
    n_sym = draw(st.integers(2, 4))
    n_bars = draw(st.integers(20, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    vol = draw(st.floats(0.005, 0.05))
    rng = np.random.default_rng(seed)
    rets = rng.normal(0.0, vol, size=(n_bars, n_sym))
    gaps = rng.random((n_bars, n_sym)) < 0.03
    rets[gaps] -= rng.uniform(0.03, 0.15, size=int(gaps.sum()))
    closes = 100.0 * np.exp(np.cumsum(rets, axis=0))
    idx = stamps(n_bars)
    frames = {}
    for j, sym in enumerate(SYMS[:n_sym]):
        c = closes[:, j]
        o = np.r_[c[0], c[:-1]] * np.exp(rng.normal(0, vol / 3, n_bars))
        hi = np.maximum(o, c) * (1 + rng.uniform(0, vol, n_bars))
        lo = np.minimum(o, c) * (1 - rng.uniform(0, vol, n_bars))
        frames[sym] = pd.DataFrame(
            {"open": o, "high": hi, "low": lo, "close": c, "volume": 1e6}, index=idx
        )
    return BarSet(frames)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    cap = draw(st.floats(0.05, 0.6))
    exposure = draw(st.floats(cap, 1.0))
    buffer = draw(st.floats(0.0, 0.3))
    return Policy("random", cap, exposure, buffer)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    barset=markets(),
    policy=policies(),
    kinds=st.sets(st.sampled_from(["fixed", "trailing", "atr"]), max_size=3),
    daily_limit=st.floats(0.01, 0.2),
    seed=st.integers(0, 1000),
    fractional=st.booleans(),
    held=st.lists(st.floats(0.0, 0.45), min_size=4, max_size=4),
)
def test_no_order_breaks_a_cap_and_nothing_is_bought_while_halted(
    barset: BarSet,
    policy: Policy,
    kinds: set[str],
    daily_limit: float,
    seed: int,
    fractional: bool,
    held: list[float],
) -> None:
    # Arrange
    stops = StopParams(tuple(sorted(kinds)), atr_period=5) if kinds else None  # type: ignore[arg-type]
    breakers = BreakerParams(
        daily_loss_warning=daily_limit / 2,
        daily_loss_limit=daily_limit,
        drawdown_warning=0.05,
        max_drawdown=0.10,
        consecutive_losses=3,
    )
    risk = RiskManager(
        barset.symbols, stops=stops, breakers=breakers, cooldown_sessions=2, fractional=fractional
    )
    engine = make_engine(
        barset,
        risk,
        band=0.0,
        costs=FlatCosts(),
        targets=RandomTargets(seed),
        policy=policy,
        fractional=fractional,
    )
    _hold(engine, barset, held, fractional)  # a random starting portfolio, caps or not
    was_halted = False
    for t in engine.feed.index:
        before = engine.book.quantity.copy()
        # Act
        engine.step(t)
        # Assert
        after = engine.book.quantity
        prices = engine.feed.last_close()
        equity = engine.book.equity(prices)
        weights = np.where(after != 0, after * prices, 0.0) / equity
        bought = after > before + TOL
        assert np.all(weights[bought] <= policy.max_position_size + TOL)
        if bought.any():
            assert weights.sum() <= policy.invested_fraction + TOL
        if risk.halted:  # latched this cycle (before any order) or earlier
            assert not bought.any()
        assert not (was_halted and not risk.halted)  # nothing clears a halt but a human
        was_halted = risk.halted
        assert engine.book.cash >= -TOL
    event(f"halted: {risk.halted}")
    event(f"stopped out: {any(e.kind == 'stop' for e in engine.recorder.events)}")
    event(
        f"buys resized: {any('resized' in n for d in engine.recorder.decisions for n in d.notes)}"
    )


def _hold(engine: Engine, barset: BarSet, weights: list[float], fractional: bool) -> None:
    """Give the engine's book and the broker the same random starting positions."""
    first = engine.feed.index[0].to_pydatetime()
    cash = engine.book.cash
    scale = min(1.0, 0.95 / max(sum(weights), 1e-9))
    for sym, w in zip(engine.feed.symbols, weights, strict=False):
        price = float(barset[sym]["close"].iloc[0])
        qty = w * scale * cash / price
        qty = qty if fractional else float(np.floor(qty))
        if qty <= 0:
            continue
        f = Fill(ClientOrderId(f"seed-{sym}"), Symbol(sym), Side.BUY, qty, price, first)
        engine.book.apply(f)
        engine.broker.ledger.apply(f)  # type: ignore[attr-defined]
