"""Detectors: online == batch, no look-ahead, stabilizer, registry, policies and change events."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.config import TradewindConfig
from tradewind.config.regime import RegimeSection
from tradewind.domain.errors import ConfigError
from tradewind.domain.types import Regime
from tradewind.regime import (
    BaseDetector,
    RegimeTracker,
    RegimeWarmupError,
    Stabilizer,
    effective_policy,
    make_detector,
    regime_changes,
)
from tradewind.regime.baseline import VolThresholdBaseline
from tradewind.regime.hmm import HMMDetector
from tradewind.regime.jump import JumpDetector
from tradewind.regime.rules import RulesDetector

N = 260


def _market(n: int = N, seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    """Calm rise, then a volatile fall, then a sideways stretch; VIX follows."""
    rng = np.random.default_rng(seed)
    third = n // 3
    mu = np.r_[np.full(third, 0.001), np.full(third, -0.003), np.zeros(n - 2 * third)]
    sd = np.r_[np.full(third, 0.006), np.full(third, 0.025), np.full(n - 2 * third, 0.01)]
    close = 100 * np.exp(np.cumsum(mu + sd * rng.standard_normal(n)))
    days = pd.bdate_range("2015-01-01", periods=n) + pd.Timedelta(hours=21)
    index = pd.DatetimeIndex(days, tz="UTC", name="timestamp")
    level = np.r_[np.full(third, 13.0), np.full(third, 38.0), np.full(n - 2 * third, 19.0)]
    vix = pd.Series(level + rng.normal(0, 1.0, n), index=index)
    return pd.DataFrame({"close": close}, index=index), vix


FACTORIES: dict[str, Callable[[], BaseDetector]] = {
    "rules": lambda: RulesDetector(trend_window=20),
    "jump": lambda: JumpDetector(
        train_days=120, min_train_days=60, refit_days=25, penalty=5.0, n_init=2
    ),
    "hmm": lambda: HMMDetector(train_days=120, min_train_days=60, refit_days=25, max_iter=15),
    "baseline": lambda: VolThresholdBaseline(),
}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_batch_equals_online_at_every_bar(name: str) -> None:
    bars, vix = _market()
    batch = FACTORIES[name]().detect_series(bars, vix, close_only=True)
    online = FACTORIES[name]()
    decided = 0
    for t in range(1, len(bars) + 1):
        try:
            est = online.update(bars.iloc[:t], vix.iloc[:t], close_only=True)
        except RegimeWarmupError:
            assert pd.isna(batch["regime"].iloc[t - 1])
            continue
        row = batch.iloc[t - 1]
        assert est.ts == batch.index[t - 1]
        assert est.regime.value == row["regime"]
        assert est.raw_regime.value == row["raw_regime"]
        assert est.confidence == row["confidence"]
        assert est.is_vix_proxy == bool(row["vix_is_proxy"])
        for key, value in est.features.items():
            assert value == row[key] or (np.isnan(value) and np.isnan(row[key]))
        decided += 1
    assert decided > 100


class LookaheadGuardFeed:
    """Serves bars and VIX up to ``now``; any read past ``now`` raises."""

    def __init__(self, bars: pd.DataFrame, vix: pd.Series) -> None:
        self._bars, self._vix = bars, vix
        self.now: pd.Timestamp = bars.index[0]

    def _check(self, end: pd.Timestamp | None) -> pd.Timestamp:
        if end is None or end > self.now:
            raise AssertionError(f"read past t={self.now}: end={end}")
        return end

    def bars(self, end: pd.Timestamp | None) -> pd.DataFrame:
        return self._bars.loc[: self._check(end)]

    def vix(self, end: pd.Timestamp | None) -> pd.Series:
        return self._vix.loc[: self._check(end)]


@pytest.mark.parametrize("name", list(FACTORIES))
def test_no_detector_reads_the_future(name: str) -> None:
    bars, vix = _market()
    feed = LookaheadGuardFeed(bars, vix)
    det = FACTORIES[name]()
    for t in bars.index[::7]:
        feed.now = t
        with contextlib.suppress(RegimeWarmupError):
            det.update(feed.bars(end=t), feed.vix(end=t), close_only=True)
    # The batch path reads whole arrays, so poison everything after t instead: any decision at
    # or before t that touched the future would change (inf/NaN propagate, garbage moves means).
    clean = FACTORIES[name]().detect_series(bars, vix, close_only=True)
    for cut in (90, 170):
        bad_bars, bad_vix = bars.copy(), vix.copy()
        bad_bars.iloc[cut:, 0] = np.r_[np.inf, np.full(len(bars) - cut - 1, 1e12)]
        bad_vix.iloc[cut:] = np.nan
        poisoned = FACTORIES[name]().detect_series(bad_bars, bad_vix, close_only=True)
        pd.testing.assert_frame_equal(poisoned.iloc[:cut], clean.iloc[:cut])


def test_warmup_raises_a_data_error_not_a_calm_default() -> None:
    bars, vix = _market()
    with pytest.raises(RegimeWarmupError):
        RulesDetector(trend_window=20).update(bars.iloc[:10], vix.iloc[:10])


def test_rules_detector_sees_the_scripted_regimes() -> None:
    bars, vix = _market(600)
    out = RulesDetector(trend_window=20).detect_series(bars, vix, close_only=True)
    assert out["regime"].iloc[150:200].eq("BULL").mean() > 0.8
    assert out["regime"].iloc[300:400].eq("VOLATILE").mean() > 0.8


@settings(max_examples=60, deadline=None)
@given(
    raw=st.lists(st.sampled_from(list(Regime)), min_size=1, max_size=120),
    min_stay=st.integers(0, 10),
    confirm=st.integers(1, 4),
)
def test_stabilizer_holds_min_stay_and_confirms(
    raw: list[Regime], min_stay: int, confirm: int
) -> None:
    stab = Stabilizer(min_stay, confirm)
    out = [stab.step(r) for r in raw]
    switches = [i for i in range(1, len(out)) if out[i] != out[i - 1]]
    for a, b in zip([0, *switches], switches, strict=False):
        assert b - a >= min_stay  # every regime is held at least min_stay bars
    for s in switches:  # a switch needs `confirm` raw bars of the new regime ending at it
        assert all(r == out[s] for r in raw[s - confirm + 1 : s + 1])
    assert all(o in raw[: i + 1] for i, o in enumerate(out))


def test_registry_builds_each_detector_from_config() -> None:
    section = RegimeSection()
    for name in ("rules", "jump", "hmm", "baseline"):
        assert make_detector(section, name).name == name
    assert make_detector(section).name == section.detector
    with pytest.raises(ConfigError, match="unknown"):
        make_detector(section, "crystal_ball")


def test_effective_policy_applies_runbook_defaults_and_standard_limits() -> None:
    cfg = TradewindConfig()
    bull = effective_policy(Regime.BULL, cfg)
    assert (bull.method, bull.max_position_size, bull.max_portfolio_risk) == (
        "max_sharpe",
        cfg.risk_management.max_position_size,
        cfg.risk_management.max_portfolio_risk,
    )
    assert effective_policy(Regime.BEAR, cfg).max_position_size == 0.20
    assert effective_policy(Regime.BEAR, cfg).method == "min_variance"
    assert effective_policy(Regime.CHOPPY, cfg).method == "risk_parity"
    volatile = effective_policy(Regime.VOLATILE, cfg)
    assert volatile.cash_buffer == 0.15
    assert volatile.invested_fraction == pytest.approx(0.80 - 0.15)
    flat = cfg.model_copy(
        update={
            "portfolio_optimization": cfg.portfolio_optimization.model_copy(
                update={"regime_aware": False}
            )
        }
    )
    assert effective_policy(Regime.VOLATILE, flat).cash_buffer == 0.0


def test_regime_changes_are_events_with_their_policy() -> None:
    cfg = TradewindConfig()
    bars, vix = _market(600)
    det = RulesDetector(trend_window=20)
    batch = det.detect_series(bars, vix, close_only=True)
    events = list(regime_changes(batch, cfg, det.name))
    assert events[0].previous is None
    assert all(e.previous != e.current for e in events[1:])
    assert any(e.current is Regime.VOLATILE for e in events)
    tracker = RegimeTracker(cfg)
    online = RulesDetector(trend_window=20)
    seen = []
    for t in range(450, 600):
        ev = tracker.observe(online.update(bars.iloc[:t], vix.iloc[:t], close_only=True))
        if ev is not None:
            seen.append((ev.ts, ev.current))
    assert seen[1:] == [(e.ts, e.current) for e in events if e.ts > seen[0][0]]
    assert "VOLATILE" in next(e for e in events if e.current is Regime.VOLATILE).message()
