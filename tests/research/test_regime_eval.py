"""Evaluation metrics on hand-built series, and the acceptance figures on synthetic and real data.

Issue 5's synthetic criterion (balanced accuracy >= 0.90 on held-out periods with at most 1.5x
the true switches) is **met** by the default ``hmm`` detector on every evaluation seed (1-5):
balanced accuracy 0.909, 0.924, 0.933, 0.919, 0.905 at switch ratios 1.50, 1.29, 1.50, 1.20,
0.83 (``tradewind regime evaluate --source synthetic``; the Bayes filter that knows the
generator's parameters reaches 0.941 on average). Two seeds sit exactly at the 1.5x limit, so a
change that adds one spurious excursion there turns the acceptance test red. The generator's
regime stays and VIX levels were made realistic in issue 5 (``tradewind.data.scenario``); with
the old ones even that filter stayed near 0.83.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradewind.config import TradewindConfig
from tradewind.config.regime import RegimeSection
from tradewind.regime import make_detector
from tradewind.research.regime_evaluation import (
    RISK_OFF_EXPOSURE,
    backtest_exposure,
    balanced_accuracy,
    classify,
    confusion,
    exposures,
)


def _labels(codes: str) -> pd.Series:
    names = {"U": "BULL", "D": "BEAR", "C": "CHOPPY", "V": "VOLATILE"}
    return pd.Series([names[c] for c in codes])


def test_balanced_accuracy_weights_regimes_equally() -> None:
    truth = _labels("UUUUUUUUVV")
    assert balanced_accuracy(truth, _labels("UUUUUUUUUU")) == pytest.approx(0.5)
    assert balanced_accuracy(truth, truth) == 1.0
    cm = confusion(truth, _labels("UUUUUUUUVU"))
    assert cm.loc["VOLATILE", "VOLATILE"] == 1 and cm.loc["VOLATILE", "BULL"] == 1


def test_delay_spurious_and_switch_counts() -> None:
    truth = _labels("UUUUUDDDDDDUUUUU")
    pred = _labels("UUUUUUUDDDDDDVUU")
    r = classify(truth, pred, max_delay=3)
    assert r.switch_ratio == pytest.approx(3 / 2)
    assert r.median_delay_days == pytest.approx(2.5)  # BEAR 2 bars late, BULL 3 bars late
    assert r.spurious_switches == 1  # the jump into VOLATILE
    assert r.detected_share == 1.0


def test_backtest_acts_one_day_late_and_charges_costs() -> None:
    idx = pd.RangeIndex(6)
    closes = pd.Series([100.0, 110.0, 121.0, 133.1, 146.41, 161.051], index=idx)  # +10%/bar
    exposure = pd.Series([1.0, 0.0, 0.0, 0.0, 0.0, 0.0], index=idx)  # out after bar 1's close
    report, wealth = backtest_exposure(closes, exposure, lag=1, cost=0.01)
    # decision at bar 1 is traded at bar 2's close: bars 1-2 earn +10% each, then cash
    net = wealth.pct_change().fillna(wealth.iloc[0] - 1).round(6).tolist()
    assert net == [0.1, 0.1, -0.01, 0.0, 0.0]
    assert report.time_in_cash == pytest.approx(3 / 5)


def test_exposure_mapping_names_every_regime() -> None:
    regimes = pd.Series(["BULL", "BEAR", None, "VOLATILE", "CHOPPY"])
    assert exposures(regimes, RISK_OFF_EXPOSURE).tolist()[:2] == [1.0, 0.0]
    assert np.isnan(exposures(regimes, RISK_OFF_EXPOSURE).iloc[2])


@pytest.fixture(scope="module")
def synthetic_held_out() -> dict[str, list[dict[str, float]]]:
    """Default detector, baseline and oracle on the held-out years of every evaluation seed.

    The same protocol as ``tradewind regime evaluate --source synthetic``: eight training and
    four test years per seed, detectors run causally over all twelve, scored on the last four.
    """
    from tradewind.research.regime_study import TEST_SEEDS, synthetic_study

    section = RegimeSection()
    factories = {
        name: (lambda name=name: make_detector(section, name))
        for name in (section.detector, "baseline")
    }
    return synthetic_study(factories, seeds=TEST_SEEDS).reports


def test_default_detector_beats_the_baseline_held_out(
    synthetic_held_out: dict[str, list[dict[str, float]]],
) -> None:
    default = synthetic_held_out[RegimeSection().detector]
    baseline, oracle = synthetic_held_out["baseline"], synthetic_held_out["oracle"]
    for d, b in zip(default, baseline, strict=True):
        assert d["balanced_accuracy"] > b["balanced_accuracy"] + 0.2, d["seed"]

    def mean(rows: list[dict[str, float]]) -> float:
        return float(np.mean([r["balanced_accuracy"] for r in rows]))

    assert mean(oracle) > mean(default)  # the true-parameter filter stays the ceiling


def test_acceptance_balanced_accuracy_090_with_at_most_15x_switches(
    synthetic_held_out: dict[str, list[dict[str, float]]],
) -> None:
    """Issue 5's synthetic criterion, on every seed the evaluation uses."""
    for row in synthetic_held_out[RegimeSection().detector]:
        assert row["balanced_accuracy"] >= 0.90, row
        assert row["switch_ratio"] <= 1.5, row


@pytest.fixture(scope="module")
def sp500_study() -> object:
    """Default detector vs buy-and-hold on the bundled S&P 500, 2000-2022, out of sample."""
    from tradewind.research.regime_study import bundled_study

    cfg = TradewindConfig()
    section = cfg.regime
    return bundled_study(
        (section.detector, lambda: make_detector(section)),
        {},
        {},
        lambda: make_detector(section, "baseline"),
        cfg,
    )


def test_real_data_drawdown_cut_at_no_worse_sharpe(sp500_study: object) -> None:
    """Issue 5 real-data criterion, for the regime-switch allocation of the default detector.

    Measured (hmm, defaults of issue 5): max drawdown -25.3% vs -56.8% for buy-and-hold (a 56%
    cut), Sharpe 0.50 vs 0.31, CAGR 4.9% vs 4.25% (cash earns 0). The rules detector, the
    default before, gave -33.5% and 0.37. The allocation driven by the runbook's policies alone
    (only VOLATILE trims exposure) does not meet it; the CLI prints both.
    """
    from tradewind.research.regime_study import criterion

    name = RegimeSection().detector
    verdict = criterion(sp500_study, f"{name} (switch)")  # type: ignore[arg-type]
    assert verdict["drawdown_cut"] >= 0.40
    assert verdict["sharpe"] >= verdict["buy_and_hold_sharpe"]
    policy = criterion(sp500_study, f"{name} (policy)")  # type: ignore[arg-type]
    assert not policy["met"]  # documented miss: the runbook policies barely cut exposure


def test_regime_now_cli_prints_regime_features_and_policy(tmp_path: object) -> None:
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from tradewind.cli.app import app

    env = {"TRADEWIND__LOGGING__PATH": str(Path(str(tmp_path)) / "trading.log")}
    result = CliRunner(env=env).invoke(
        app, ["regime", "now", "--source", "bundled", "--asof", "2020-03-16", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["regime"] == "VOLATILE"
    assert payload["is_vix_proxy"] is True  # the bundled series mixes observed VIX and a proxy
    # VOLATILE's 15% buffer under the 80% cap allows 65%; the protective policy keeps
    # 1 - confidence x (1 - 0.5) of it, the rest is cash too
    scale = 1.0 - payload["confidence"] * 0.5
    policy = payload["policy"]
    assert policy["protective_scale"] == pytest.approx(scale)
    assert policy["invested_fraction"] == pytest.approx(0.65 * scale)
    assert policy["cash_buffer"] == pytest.approx(0.80 - 0.65 * scale)
    assert {"vix", "trend", "adx", "atr_pct"} <= set(payload["features"])


def test_plot_writes_a_png(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from tradewind.research.regime_plot import plot_regimes

    idx = pd.date_range("2020-01-01", periods=50, tz="UTC")
    price = pd.Series(np.linspace(100, 120, 50), index=idx)
    regimes = pd.Series(["BULL"] * 20 + ["BEAR"] * 30, index=idx)
    out = plot_regimes(price, {"rules": regimes}, Path(str(tmp_path)) / "r.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
