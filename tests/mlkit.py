"""Helpers for the ML tests (tests/signals, tests/dashboard): synthetic markets with and
without a planted signal (imported by name; tests/ is on sys.path)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradewind.config.ml import MLSection
from tradewind.signals.dataset import Dataset, make_dataset
from tradewind.signals.features import FeaturePanel, MarketInputs, build_features
from tradewind.signals.labels import Labels, forward_returns

SYMBOLS = tuple(f"S{i:02d}" for i in range(16))


def market(seed: int, *, planted: bool, days: int = 2600) -> MarketInputs:
    """Daily closes of 16 synthetic stocks (close-only) plus a benchmark.

    With ``planted``, each stock's expected return is a persistent drift (redrawn every 126
    sessions, 40% a year across stocks) so past returns predict the next month's excess
    return; without it, every stock is an independent random walk with the same 1.5% daily
    volatility and no drift: nothing is predictable.
    """
    rng = np.random.default_rng(seed)
    index = pd.date_range("2000-01-03 21:00", periods=days, freq="B", tz="UTC")
    noise = rng.normal(0.0, 0.015, size=(days, len(SYMBOLS)))
    drift = np.zeros_like(noise)
    if planted:
        for start in range(0, days, 126):
            drift[start : start + 126] = rng.normal(0.0, 0.40 / 252, size=len(SYMBOLS))
    close = pd.DataFrame(
        100.0 * np.exp(np.cumsum(drift + noise, axis=0)), index=index, columns=list(SYMBOLS)
    )
    bench = close.mean(axis=1)
    return MarketInputs(close, close, close, frozenset(SYMBOLS), bench)


def pipeline(inputs: MarketInputs, ml: MLSection) -> tuple[FeaturePanel, Labels, Dataset]:
    """Features, labels and samples of ``inputs`` (what the engine builds from a provider)."""
    panel = build_features(inputs)
    labels = forward_returns(panel.close, ml.horizon_days)
    return panel, labels, make_dataset(panel, labels, ml.sample_every)


def small_ml(**changes: object) -> MLSection:
    """The default ``ml`` section with smaller models (fast tests) and ``changes``."""
    base = MLSection(
        train_years=6.0,
        min_train_years=3.0,
        validation_years=2.0,
        lgbm={"n_estimators": 60},
        forest={"n_estimators": 30},
    )
    return base.model_copy(update=changes)
