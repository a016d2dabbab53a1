"""Cost model: each formula, its edge cases, and estimated-versus-realized accounting."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from tradewind.config import TradewindConfig
from tradewind.config.execution import CommissionSection
from tradewind.domain.costs import CostBreakdown, compare, total_costs
from tradewind.domain.orders import ClientOrderId, Fill, Side
from tradewind.domain.types import Symbol
from tradewind.execution import CostModel


def test_commission_schedule_per_share_per_order_and_percent() -> None:
    model = CostModel(CommissionSection(per_share=0.005, per_order=1.0, pct_of_value=0.0001))
    # 1 + 0.005 * 200 + 0.0001 * 200 * 50 = 1 + 1 + 1
    assert model.commission_for(200, 50.0) == pytest.approx(3.0)
    assert model.commission_for(-200, 50.0) == pytest.approx(3.0)
    assert model.commission_for(0, 50.0) == 0.0


def test_commission_minimum_and_maximum_per_order() -> None:
    model = CostModel(CommissionSection(per_share=0.005, minimum=1.0, maximum=5.0))
    assert model.commission_for(10, 100.0) == pytest.approx(1.0)  # 0.05 -> minimum
    assert model.commission_for(500, 100.0) == pytest.approx(2.5)
    assert model.commission_for(5000, 100.0) == pytest.approx(5.0)  # 25 -> maximum


def test_slippage_is_a_fraction_of_value() -> None:
    costs = CostModel(slippage_pct=0.001).costs("AAPL", Side.BUY, 100, 150.0)
    assert costs.slippage == pytest.approx(15.0)
    assert costs.commission == 0.0 and costs.impact == 0.0 and costs.impact_modelled


def test_square_root_impact() -> None:
    model = CostModel(impact_coefficient=0.1)
    costs = model.costs(
        "AAPL", Side.SELL, 10_000, 100.0, daily_volatility=0.02, average_daily_volume=1_000_000
    )
    # 0.1 * 0.02 * sqrt(0.01) = 2e-4 of the 1,000,000 traded
    assert costs.impact == pytest.approx(200.0)
    quadrupled = model.costs(
        "AAPL", Side.SELL, 40_000, 100.0, daily_volatility=0.02, average_daily_volume=1_000_000
    )
    assert quadrupled.impact == pytest.approx(200.0 * 4 * 2)  # value x4, sqrt(q) x2


@pytest.mark.parametrize(
    ("vol", "adv"), [(None, 1e6), (0.02, None), (0.02, 0.0), (math.nan, 1e6), (0.02, math.inf)]
)
def test_unknown_volume_or_volatility_leaves_impact_out_and_says_so(
    vol: float | None, adv: float | None
) -> None:
    costs = CostModel(impact_coefficient=0.1).costs(
        "X", Side.BUY, 100, 10.0, daily_volatility=vol, average_daily_volume=adv
    )
    assert costs.impact == 0.0 and not costs.impact_modelled


def test_from_config_reads_commission_slippage_and_impact_switch() -> None:
    cfg = TradewindConfig()
    model = CostModel.from_config(cfg.execution, cfg.portfolio_optimization.rebalancing)
    assert model.slippage_pct == cfg.portfolio_optimization.rebalancing.slippage_pct
    assert model.impact_coefficient == cfg.execution.market_impact.coefficient
    off = cfg.execution.model_copy(
        update={"market_impact": cfg.execution.market_impact.model_copy(update={"enabled": False})}
    )
    assert (
        CostModel.from_config(off, cfg.portfolio_optimization.rebalancing).impact_coefficient == 0
    )


def test_invalid_parameters_raise() -> None:
    with pytest.raises(ValueError, match="slippage_pct"):
        CostModel(slippage_pct=-0.1)


def _fill(side: Side, qty: float, price: float, **costs: float) -> Fill:
    return Fill(
        ClientOrderId("c1"),
        Symbol("AAPL"),
        side,
        qty,
        price,
        datetime(2024, 1, 2, tzinfo=UTC),
        **costs,
    )


def test_a_simulated_fill_realizes_exactly_its_estimate() -> None:
    model = CostModel(CommissionSection(per_order=1.0), slippage_pct=0.001, impact_coefficient=0.1)
    est = model.costs("AAPL", Side.BUY, 100, 50.0, daily_volatility=0.02, average_daily_volume=1e5)
    fill = _fill(
        Side.BUY, 100, 50.0, commission=est.commission, slippage=est.slippage, impact=est.impact
    )
    comparison = compare(est, model.account(fill, reference_price=50.0))
    assert comparison.error.total == pytest.approx(0.0)
    assert comparison.price_error == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("side", "fill_price", "expected"),
    [
        (Side.BUY, 50.10, 10.0),  # paid 0.10 more on 100 shares
        (Side.SELL, 49.90, 10.0),  # received 0.10 less
        (Side.BUY, 49.95, -5.0),  # price improvement
    ],
)
def test_a_broker_fill_counts_its_price_shortfall_as_slippage(
    side: Side, fill_price: float, expected: float
) -> None:
    model = CostModel(slippage_pct=0.001)
    est = model.costs("AAPL", side, 100, 50.0)  # 5.0 slippage expected
    realized = model.account(_fill(side, 100, fill_price, commission=0.5), reference_price=50.0)
    assert realized.slippage == pytest.approx(expected)
    assert realized.commission == 0.5
    comparison = compare(est, realized)
    assert comparison.price_error == pytest.approx(expected - 5.0)
    assert comparison.error.commission == pytest.approx(0.5)


def test_breakdowns_add_up() -> None:
    parts = [CostBreakdown(1, 2, 3), CostBreakdown(0.5, 0.5, 0, impact_modelled=False)]
    total = total_costs(parts)
    assert (total.commission, total.slippage, total.impact) == (1.5, 2.5, 3)
    assert total.total == pytest.approx(7.0) and not total.impact_modelled


def test_costs_of_many_trades_equal_the_one_by_one_costs_to_the_last_bit() -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    q = rng.choice([0.0, 1.0, 3.7, 250.0, 1e5], 200) * rng.choice([-1.0, 1.0], 200)
    p = rng.uniform(0.5, 3000.0, 200)
    vol = np.where(rng.random(200) < 0.2, np.nan, rng.uniform(-0.01, 0.05, 200))
    adv = np.where(rng.random(200) < 0.2, np.nan, rng.uniform(-10.0, 1e6, 200))
    schedules = [
        CommissionSection(),
        CommissionSection(per_order=1.0, per_share=0.005, minimum=1.0, maximum=30.0),
        CommissionSection(pct_of_value=0.001, minimum=2.0),
    ]
    for commission in schedules:
        for impact in (0.0, 0.1):
            model = CostModel(commission, slippage_pct=0.001, impact_coefficient=impact)
            many = model.costs_many(q, p, vol, adv)
            for i in range(200):
                one = model.costs(
                    "X",
                    Side.BUY,
                    float(q[i]),
                    float(p[i]),
                    daily_volatility=None if np.isnan(vol[i]) else float(vol[i]),
                    average_daily_volume=None if np.isnan(adv[i]) else float(adv[i]),
                )
                got = (many[0][i], many[1][i], many[2][i], bool(many[3][i]))
                assert got == (one.commission, one.slippage, one.impact, one.impact_modelled)
