"""Trade planner: rounding, minimum value, maximum count, cash, order of sells and buys."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.config.execution import CommissionSection
from tradewind.domain.errors import BadPriceError, MissingDataError
from tradewind.domain.orders import Side
from tradewind.execution import CostModel
from tradewind.rebalance import MarketStats, PlannerSettings, plan_trades

COSTS = CostModel(CommissionSection(per_order=1.0), slippage_pct=0.001)


def test_from_cash_buys_whole_shares_without_overshooting() -> None:
    plan = plan_trades({}, {"A": 30.0, "B": 70.0}, 10_000.0, {"A": 0.5, "B": 0.3})
    qty = {o.symbol: o.quantity for o in plan.orders}
    assert qty == {"A": 166.0, "B": 42.0}  # 5000/30 = 166.7 -> 166; 3000/70 = 42.9 -> 42
    assert all(o.side is Side.BUY for o in plan.orders)
    assert plan.cash_after == pytest.approx(10_000 - 166 * 30 - 42 * 70)


def test_fractional_shares_where_the_broker_allows() -> None:
    opts = PlannerSettings(fractional=True, fractional_decimals=3)
    plan = plan_trades({}, {"A": 30.0}, 10_000.0, {"A": 0.5}, settings=opts)
    assert plan.orders[0].quantity == pytest.approx(166.666)


def test_sells_round_up_to_end_at_or_below_target_and_zero_target_sells_everything() -> None:
    holdings = {"A": 100.0, "B": 10.5}
    plan = plan_trades(holdings, {"A": 10.0, "B": 20.0}, 0.0, {"A": 0.555})
    # equity 1210; A target 671.55 = 67.155 shares -> sell 33 (rounded up, toward less risk:
    # 67 shares left, not 68, so A ends at or below its target); B sells all 10.5
    assert {(o.symbol, o.side, o.quantity) for o in plan.orders} == {
        ("A", Side.SELL, 33.0),
        ("B", Side.SELL, 10.5),
    }


def test_trades_below_min_trade_value_are_skipped_with_the_reason() -> None:
    opts = PlannerSettings(min_trade_value=200.0)
    holdings = {"A": 100.0, "B": 100.0}
    prices = {"A": 10.0, "B": 10.0}
    # B must buy 19 shares = 190 < 200: skipped; A must sell 30 shares = 300: kept
    plan = plan_trades(holdings, prices, 0.0, {"A": 0.35, "B": 0.595}, settings=opts)
    assert [(o.symbol, o.quantity) for o in plan.orders] == [("A", 30.0)]
    (skip,) = plan.skipped
    assert (skip.symbol, skip.reason, skip.value) == ("B", "below_min_trade_value", 190.0)


def test_min_trade_value_boundary_is_inclusive() -> None:
    opts = PlannerSettings(min_trade_value=200.0)
    plan = plan_trades({}, {"A": 10.0}, 1000.0, {"A": 0.2}, settings=opts)  # exactly 200
    assert len(plan.orders) == 1


def test_max_trades_keeps_the_largest_drift_reductions() -> None:
    prices = {s: 10.0 for s in "ABCDE"}
    targets = {"A": 0.05, "B": 0.30, "C": 0.10, "D": 0.25, "E": 0.20}
    opts = PlannerSettings(max_trades=3)
    plan = plan_trades({}, prices, 10_000.0, targets, settings=opts)
    assert [o.symbol for o in plan.orders] == ["B", "D", "E"]
    assert [o.drift_reduction for o in plan.orders] == pytest.approx([0.30, 0.25, 0.20])
    assert sorted(s.symbol for s in plan.skipped if s.reason == "max_trades") == ["A", "C"]


def test_sells_come_before_buys() -> None:
    holdings = {"A": 100.0, "C": 50.0}
    prices = {"A": 10.0, "B": 10.0, "C": 10.0}
    plan = plan_trades(holdings, prices, 0.0, {"B": 0.9}, cost_model=COSTS)
    sides = [o.side for o in plan.orders]
    assert sides == [Side.SELL, Side.SELL, Side.BUY]


def test_buys_never_spend_cash_that_is_not_there() -> None:
    # targets sum to 1 and costs are positive: the last buy must shrink to fit
    plan = plan_trades({}, {"A": 10.0, "B": 10.0}, 1000.0, {"A": 0.5, "B": 0.5}, cost_model=COSTS)
    assert plan.cash_after >= 0.0
    assert any("reduced: cash" in o.reason for o in plan.orders)
    spent = sum(o.value + o.est_cost.total for o in plan.orders)
    assert spent <= 1000.0 + 1e-9


def test_a_buy_that_cannot_be_funded_is_skipped() -> None:
    # selling A (100 USD) costs the 100 USD minimum commission: nothing left to buy B with
    plan = plan_trades(
        {"A": 10.0},
        {"A": 10.0, "B": 100.0},
        20.0,
        {"A": 0.0, "B": 1.0},
        settings=PlannerSettings(min_trade_value=50.0),
        cost_model=CostModel(CommissionSection(minimum=100.0)),
    )
    assert [o.symbol for o in plan.orders] == ["A"]
    assert plan.skipped[0].reason == "insufficient_cash"
    assert plan.cash_after == pytest.approx(20.0)


def test_costs_are_estimated_per_order_with_impact_when_volume_is_known() -> None:
    model = CostModel(slippage_pct=0.001, impact_coefficient=0.1)
    market = {"A": MarketStats(daily_volatility=0.02, average_daily_volume=10_000)}
    plan = plan_trades(
        {},
        {"A": 100.0, "B": 100.0},
        100_000.0,
        {"A": 0.4, "B": 0.4},
        cost_model=model,
        market=market,
    )
    by = {o.symbol: o.est_cost for o in plan.orders}
    assert by["A"].impact == pytest.approx(0.1 * 0.02 * math.sqrt(400 / 10_000) * 40_000, rel=1e-3)
    assert by["B"].impact == 0.0 and not by["B"].impact_modelled
    assert plan.est_cost.slippage == pytest.approx(0.001 * 80_000, rel=1e-3)


def test_expensive_share_below_one_unit_is_recorded() -> None:
    plan = plan_trades({}, {"BRK.A": 600_000.0}, 100_000.0, {"BRK.A": 0.5})
    assert not plan.orders and plan.skipped[0].reason == "rounds_to_zero"


def test_bad_inputs_raise() -> None:
    with pytest.raises(MissingDataError):
        plan_trades({"A": 1.0}, {}, 0.0, {})
    with pytest.raises(BadPriceError):
        plan_trades({}, {"A": 0.0}, 100.0, {"A": 0.5})
    with pytest.raises(ValueError, match="target weight"):
        plan_trades({}, {"A": 1.0}, 100.0, {"A": -0.5})


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 8),
    seed=st.integers(0, 10_000),
    cash=st.floats(0, 1e6),
    fractional=st.booleans(),
    min_value=st.sampled_from([0.0, 200.0, 5000.0]),
    max_trades=st.sampled_from([None, 1, 3, 8]),
    commission=st.sampled_from([0.0, 1.0, 25.0]),
)
def test_plan_invariants(
    n: int,
    seed: int,
    cash: float,
    fractional: bool,
    min_value: float,
    max_trades: int | None,
    commission: float,
) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    symbols = [f"S{i}" for i in range(n)]
    prices = {s: float(rng.uniform(1, 2000)) for s in symbols}
    holdings = {s: float(rng.integers(0, 300)) for s in symbols if rng.random() < 0.7}
    raw = rng.uniform(0, 1, n) * (rng.random(n) < 0.8)
    total = raw.sum()
    targets = (
        {s: float(w / total * rng.uniform(0.5, 1.0)) for s, w in zip(symbols, raw, strict=True)}
        if total > 0
        else {}
    )
    opts = PlannerSettings(min_value, max_trades, fractional)
    model = CostModel(CommissionSection(per_order=commission), slippage_pct=0.002)

    plan = plan_trades(holdings, prices, cash, targets, settings=opts, cost_model=model)

    sides = [o.side for o in plan.orders]
    assert sides == sorted(sides, key=lambda s: s is Side.BUY)  # sells first
    assert plan.cash_after >= -1e-6  # never spends cash that is not there
    running = cash
    for o in plan.orders:
        running += o.cash_delta
        if o.side is Side.BUY:
            assert running >= -1e-6
    assert max_trades is None or len(plan.orders) <= max_trades
    for o in plan.orders:
        assert o.quantity > 0
        assert o.value >= min_value - 1e-9 or (
            o.side is Side.SELL and targets.get(o.symbol, 0) == 0
        )
        if not fractional and not (o.side is Side.SELL and targets.get(o.symbol, 0) == 0):
            assert o.quantity == int(o.quantity)  # whole shares
        if o.side is Side.SELL:
            assert o.quantity <= holdings.get(o.symbol, 0.0) + 1e-9
