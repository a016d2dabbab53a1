"""The trade planner after its per-call overheads were cut decides exactly as before: the
rebalance rules (``plan_arrays``, ``check_inputs``) and the engine's sizing planner
(``ConfiguredPlanner.plan_batch``) against their previous code (``planner_reference``), bit for
bit, on varied inputs: minimum trade value, trade caps, cash shortfalls, every cost component,
flat and fractional positions, late joiners, sells only, 1 symbol and 500."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planner_reference import ReferencePlanner
from planner_reference import check_inputs as reference_check_inputs
from planner_reference import plan_arrays as reference_plan_arrays

from tradewind.config import CommissionSection, TradewindConfig, validate_config
from tradewind.domain.batches import TradeBatch
from tradewind.domain.market import BarSet
from tradewind.engine.feed import MarketFeed
from tradewind.engine.planner import ConfiguredPlanner
from tradewind.execution.costs import CostModel
from tradewind.rebalance import MarketStats, PlannerSettings
from tradewind.rebalance.planner import RawPlan, check_inputs, plan_arrays

MODELS: dict[str, CostModel | None] = {
    "none": None,
    "slippage": CostModel(slippage_pct=0.001),
    "commission": CostModel(
        CommissionSection(per_order=1.0, per_share=0.005, minimum=2.0, maximum=40.0),
        slippage_pct=0.002,
    ),
    "pct": CostModel(CommissionSection(pct_of_value=0.001), slippage_pct=0.0005),
    "impact": CostModel(
        CommissionSection(per_order=0.5), slippage_pct=0.001, impact_coefficient=0.2
    ),
}


def _bits(x: Any) -> Any:
    """A value with its floats by their bits (arrays with their dtype)."""
    if isinstance(x, np.ndarray):
        return (x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, float):
        return x.hex()
    if isinstance(x, list | tuple):
        return [_bits(v) for v in x]
    if hasattr(x, "__dataclass_fields__"):
        return (type(x).__name__, [_bits(getattr(x, f)) for f in x.__dataclass_fields__])
    return x


def _raw_bits(raw: RawPlan) -> Any:
    return _bits(raw)


def _batch_bits(batch: TradeBatch) -> Any:
    return _bits(batch)


def _inputs(seed: int, n: int, *, sells_only: bool = False) -> dict[str, Any]:
    """Holdings, prices, cash, targets and equity of a varied rebalance of ``n`` symbols."""
    rng = np.random.default_rng(seed)
    prices = rng.uniform(0.5, 3000.0, n)
    prices[rng.random(n) < 0.1] = rng.uniform(5e4, 2e5)  # a share worth more than a trade
    held = np.where(rng.random(n) < 0.6, rng.integers(0, 400, n).astype(float), 0.0)
    held[rng.random(n) < 0.15] += 0.5  # fractional remainders
    value = float((held * prices).sum())
    cash = float(rng.choice([0.0, 50.0, rng.uniform(0, 2e5), rng.uniform(0, 2e6)]))
    weights = rng.uniform(0, 1, n) * (rng.random(n) < 0.75)
    scale = rng.choice([0.0, 0.5, 0.97, 1.0, 1.15])  # 1.15: more than there is (cash short)
    total = weights.sum()
    targets = weights / total * scale if total > 0 else weights
    if sells_only:
        targets = np.minimum(targets, held * prices / max(value + cash, 1.0) * 0.5)
    equity = cash + value
    if rng.random() < 0.2:
        equity *= float(rng.uniform(1.0, 1.5))  # weights applied to more than the book
    return {"held": held, "prices": prices, "cash": cash, "targets": targets, "equity": equity}


def _market(symbols: list[str], seed: int) -> dict[str, MarketStats]:
    rng = np.random.default_rng(seed + 1)
    out = {}
    for s in symbols:
        r = rng.random()
        if r < 0.15:
            continue  # unknown symbol
        vol = None if r < 0.25 else float(rng.uniform(0.005, 0.05))
        adv = None if 0.25 <= r < 0.35 else float(rng.uniform(1e3, 1e7))
        out[s] = MarketStats(vol, adv)
    return out


def _assert_same_plan(
    n: int, seed: int, opts: PlannerSettings, model: str, *, sells_only: bool = False
) -> RawPlan:
    x = _inputs(seed, n, sells_only=sells_only)
    symbols = [f"S{i:03d}" for i in range(n)]
    market = _market(symbols, seed)
    args = (symbols, x["held"], x["prices"], x["cash"], x["targets"], x["equity"])
    got = plan_arrays(*args, opts, MODELS[model], market, "rebalance")
    want = reference_plan_arrays(*args, opts, MODELS[model], market, "rebalance")
    assert _raw_bits(got) == _raw_bits(want)
    return got


@settings(max_examples=400, deadline=None)
@given(
    n=st.integers(1, 12),
    seed=st.integers(0, 100_000),
    min_value=st.sampled_from([0.0, 50.0, 200.0, 5000.0]),
    max_trades=st.sampled_from([None, 1, 2, 3, 8, 1000]),
    fractional=st.booleans(),
    decimals=st.sampled_from([0, 2, 9]),
    model=st.sampled_from(sorted(MODELS)),
    sells_only=st.booleans(),
)
def test_the_rules_decide_as_before(
    n: int,
    seed: int,
    min_value: float,
    max_trades: int | None,
    fractional: bool,
    decimals: int,
    model: str,
    sells_only: bool,
) -> None:
    opts = PlannerSettings(min_value, max_trades, fractional, decimals)
    _assert_same_plan(n, seed, opts, model, sells_only=sells_only)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_the_rules_decide_as_before_on_500_symbols(model: str) -> None:
    for seed, opts in enumerate(
        (
            PlannerSettings(),
            PlannerSettings(200.0, 50, True),
            PlannerSettings(0.0, 1000, True),
            PlannerSettings(1000.0, None, False),
        )
    ):
        _assert_same_plan(500, seed, opts, model)


def test_the_cases_the_comparison_is_meant_to_reach_occur() -> None:
    """The varied inputs above do reach every rule: each skip reason, reduced buys, sells."""
    reasons: set[str] = set()
    labels: set[str] = set()
    sides: set[bool] = set()
    for seed in range(300):
        for opts in (PlannerSettings(200.0, 3, False), PlannerSettings(0.0, None, True)):
            raw = _assert_same_plan(1 + seed % 9, seed, opts, "commission")
            reasons |= {s.reason for s in raw.skipped}
            labels |= set(raw.label)
            sides |= set(raw.buy.tolist())
    assert reasons == {"below_min_trade_value", "rounds_to_zero", "max_trades", "insufficient_cash"}
    assert "rebalance (reduced: cash)" in labels and sides == {True, False}


@pytest.mark.parametrize(
    ("price", "target", "missing"),
    [
        (np.nan, 0.1, False),
        (0.0, 0.1, False),
        (-3.0, 0.1, False),
        (np.inf, 0.1, False),
        (10.0, -0.1, False),
        (10.0, np.inf, False),
        (10.0, np.nan, False),
        (10.0, 0.1, True),
        (10.0, 0.1, False),
    ],
)
def test_bad_inputs_raise_as_before(price: float, target: float, missing: bool) -> None:
    symbols = ["A", "B", "C"]
    prices = np.array([5.0, price, 7.0])
    targets = np.array([0.2, target, 0.3])
    flags = np.array([False, missing, False])
    for mask in (flags, None) if not missing else (flags,):
        outcomes = []
        for check in (check_inputs, reference_check_inputs):
            try:
                check(symbols, prices, targets, mask)
                outcomes.append(None)
            except Exception as exc:  # the same error, type and message
                outcomes.append((type(exc), str(exc)))
        assert outcomes[0] == outcomes[1]
    assert (outcomes[0] is None) == (price == 10.0 and target == 0.1 and not missing)


# --- the engine's sizing planner ---------------------------------------------------------


def _config(model: str, min_value: float, max_trades: int, fractional: bool) -> Any:
    execution: dict[str, Any] = {"market_impact": {"enabled": model == "impact"}}
    slippage = 0.001
    if model == "commission":
        execution["commission"] = {"per_order": 1.0, "per_share": 0.005, "minimum": 2.0}
    elif model == "pct":
        execution["commission"] = {"pct_of_value": 0.001}
    elif model == "none":
        slippage = 0.0
    return validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "KO", "XOM"]},
            "notifications": {"discord": {"enabled": False}},
            "broker": {"name": "simulated", "fractional_shares": fractional},
            "execution": execution,
            "portfolio_optimization": {
                "rebalancing": {
                    "min_trade_value": min_value,
                    "max_trades_per_rebalance": max_trades,
                    "slippage_pct": slippage,
                }
            },
        }
    )


ENGINE_MODELS = ("none", "slippage", "pct", "commission", "impact")
CONFIGS = {
    (m, v, k, f): _config(m, v, k, f)
    for m in ENGINE_MODELS
    for v in (0.0, 200.0)
    for k in (1, 2, 1000)
    for f in (True, False)
}


def _feed(n: int, seed: int, rows: int = 30) -> MarketFeed:
    """Bars of ``n`` symbols (names not in column order), some joining late, at the last row."""
    rng = np.random.default_rng(seed)
    stamps = pd.DatetimeIndex(pd.bdate_range("2024-01-02", periods=rows) + pd.Timedelta(hours=21))
    stamps = stamps.tz_localize("UTC")
    frames = {}
    for i in range(n):
        name = f"{chr(90 - i % 26)}{i:03d}"  # Z000, Y001, ...: symbol order is not column order
        close = rng.uniform(5, 500) * np.exp(np.cumsum(rng.normal(0, 0.02, rows)))
        late = i > 0 and rng.random() < 0.2
        start = int(rng.integers(0, rows)) if late else 0  # a late joiner
        frame = pd.DataFrame(
            {"open": close, "high": close, "low": close, "close": close},
            index=stamps,
        )
        frame["volume"] = rng.uniform(1e4, 1e7, rows)
        frames[name] = frame.iloc[start:]
    feed = MarketFeed(BarSet(frames, source="test"))
    feed.advance(stamps[-1] if rng.random() < 0.8 else stamps[rows // 2])
    return feed


def _planners(cfg: TradewindConfig, feed: MarketFeed) -> tuple[ConfiguredPlanner, ReferencePlanner]:
    costs = CostModel.from_config(cfg.execution, cfg.portfolio_optimization.rebalancing)
    return ConfiguredPlanner(cfg, feed, costs), ReferencePlanner(cfg, feed, costs)


def _assert_same_engine_plan(cfg: TradewindConfig, n: int, seed: int, mode: str) -> TradeBatch:
    feed = _feed(n, seed)
    new, old = _planners(cfg, feed)
    rng = np.random.default_rng(seed + 7)
    prices = feed.last_close()
    known = np.isfinite(prices)
    qty = np.where(known & (rng.random(n) < 0.6), rng.integers(0, 300, n), 0).astype(float)
    qty[known & (rng.random(n) < 0.1)] += 0.25
    cash = float(rng.choice([0.0, 1e3, rng.uniform(0, 1e6)]))
    target = np.where(known & (rng.random(n) < 0.8), rng.uniform(0, 1, n), 0.0)
    if target.sum() > 0:
        target = target / target.sum() * float(rng.choice([0.5, 0.95, 1.0]))
    if mode == "sells only":
        target = np.zeros(n)
    elif mode == "bad price" and n:
        qty[0] = 5.0
        prices = prices.copy()
        prices[0] = np.nan  # a held symbol without a price: both raise the same error
    outcomes = []
    for planner in (new, old):
        try:
            batch = planner.plan_batch(qty, prices, cash, target)
            outcomes.append((_batch_bits(batch), planner.skipped(), planner.capped()))
        except Exception as exc:
            outcomes.append((type(exc), str(exc)))
    assert outcomes[0] == outcomes[1]
    if mode == "bad price":
        return TradeBatch.empty(())
    return new.plan_batch(qty, prices, cash, target)


@settings(max_examples=250, deadline=None)
@given(
    key=st.sampled_from(sorted(CONFIGS, key=str)),
    n=st.integers(1, 10),
    seed=st.integers(0, 100_000),
    mode=st.sampled_from(["rebalance", "rebalance", "sells only", "bad price"]),
)
def test_the_engine_planner_sizes_and_plans_as_before(
    key: tuple[str, float, int, bool], n: int, seed: int, mode: str
) -> None:
    _assert_same_engine_plan(CONFIGS[key], n, seed, mode)


@pytest.mark.parametrize("model", ENGINE_MODELS)
def test_the_engine_planner_plans_500_symbols_as_before(model: str) -> None:
    for seed, cap in enumerate((1, 2, 1000)):
        batch = _assert_same_engine_plan(CONFIGS[(model, 200.0, cap, True)], 500, seed, "rebalance")
        assert len(batch) > 0


@pytest.mark.parametrize("n", [1, 2, 7, 500])
@pytest.mark.parametrize("model", ["none", "commission", "impact"])
def test_ties_keep_symbol_order_as_before(n: int, model: str) -> None:
    """Equal trades (equal prices and weights): rule 4's ties go by symbol, so which buy the
    cash runs short for, and the order of the orders, are as before."""
    symbols = [f"S{i:03d}" for i in range(n)]
    held = np.where(np.arange(n) % 3 == 0, 40.0, 0.0)  # equal sells, then equal buys
    prices = np.full(n, 50.0)
    targets = np.where(held > 0, 0.0, 1.0 / n)
    cash = 1000.0 * n  # short of what the buys want: the last in line are cut
    equity = (cash + float((held * prices).sum())) * 2.0  # weights on more than there is
    for opts in (PlannerSettings(), PlannerSettings(10.0, max(1, n // 2), True)):
        args = (symbols, held, prices, cash, targets, equity, opts, MODELS[model])
        got, want = (
            plan_arrays(*args, _market(symbols, n)),
            reference_plan_arrays(*args, _market(symbols, n)),
        )
        assert _raw_bits(got) == _raw_bits(want)
        short = any(s.reason == "insufficient_cash" for s in got.skipped)
        assert n < 7 or short or any("reduced" in label for label in got.label)
