"""The engine's planner on a universe already in symbol order (it then plans on the arrays as
given, without reindexing them) plans exactly as its previous code (``planner_reference``):
every symbol trading, some flat and untargeted, sells only, every cost model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from test_planner_reference import CONFIGS, _batch_bits, _planners

from tradewind.domain.market import BarSet
from tradewind.engine.feed import MarketFeed


def _sorted_feed(n: int, seed: int, rows: int = 30) -> MarketFeed:
    """Bars of ``n`` symbols whose column order is their symbol order."""
    rng = np.random.default_rng(seed)
    stamps = pd.DatetimeIndex(pd.bdate_range("2024-01-02", periods=rows) + pd.Timedelta(hours=21))
    stamps = stamps.tz_localize("UTC")
    frames = {}
    for i in range(n):
        close = rng.uniform(5, 500) * np.exp(np.cumsum(rng.normal(0, 0.02, rows)))
        frame = pd.DataFrame(
            {"open": close, "high": close, "low": close, "close": close}, index=stamps
        )
        frame["volume"] = rng.uniform(1e4, 1e7, rows)
        frames[f"S{i:03d}"] = frame
    feed = MarketFeed(BarSet(frames, source="test"))
    feed.advance(stamps[-1])
    return feed


@settings(max_examples=250, deadline=None)
@given(
    key=st.sampled_from(sorted(CONFIGS, key=str)),
    n=st.integers(1, 12),
    seed=st.integers(0, 100_000),
    mode=st.sampled_from(["every symbol", "some untouched", "sells only"]),
)
def test_a_universe_in_symbol_order_plans_as_before(
    key: tuple[str, float, int, bool], n: int, seed: int, mode: str
) -> None:
    feed = _sorted_feed(n, seed)
    new, old = _planners(CONFIGS[key], feed)
    assert new._sorted
    rng = np.random.default_rng(seed + 3)
    prices = feed.last_close()
    qty = np.where(rng.random(n) < 0.7, rng.integers(1, 300, n), 0).astype(float)
    qty[rng.random(n) < 0.1] += 0.25
    target = rng.uniform(0.01, 1.0, n)
    if mode == "some untouched":  # flat and untargeted: left out of the plan
        target[(qty == 0) & (rng.random(n) < 0.5)] = 0.0
    scale = float(rng.choice([0.5, 0.95, 1.0]))
    if target.sum() > 0:  # every target zeroed above: nothing to scale
        target = target / target.sum() * scale
    if mode == "sells only":
        target = np.zeros(n)
    cash = float(rng.choice([0.0, 1e3, rng.uniform(0, 1e6)]))
    got = new.plan_batch(qty, prices, cash, target)
    want = old.plan_batch(qty, prices, cash, target)
    assert (_batch_bits(got), new.skipped(), new.capped()) == (
        _batch_bits(want),
        old.skipped(),
        old.capped(),
    )


def test_the_comparison_with_unsorted_symbols_takes_the_reindexing_path() -> None:
    from test_planner_reference import _feed

    new, _ = _planners(CONFIGS[("pct", 0.0, 1000, True)], _feed(5, 1))
    assert not new._sorted  # (test_planner_reference compares that path)
