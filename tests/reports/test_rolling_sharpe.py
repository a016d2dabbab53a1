"""The rolling Sharpe, computed for all windows at once, equals ``sharpe_ratio`` of each window
to the last bit (golden reports and weekly figures depend on it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradewind.reports.metrics import sharpe_ratio
from tradewind.reports.rolling import rolling_sharpe


def one_by_one(values: np.ndarray, window: int, rf: float) -> np.ndarray:
    """The definition: ``sharpe_ratio`` of each trailing window, NaN before the first."""
    out = np.full(len(values), np.nan)
    for end in range(window, len(values) + 1):
        out[end - 1] = sharpe_ratio(values[end - window : end], rf)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_every_window_equals_sharpe_ratio_of_that_window(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    window = int(rng.choice([2, 3, 8, 9, 10, 17, 63]))
    values = rng.normal(0.0005, 0.01, n) * 10 ** rng.uniform(-3, 1)
    if seed % 4 == 0:
        values[: n // 2] = 0.0  # flat stretches: zero volatility gives 0, not inf or NaN
    rf = 0.02 if seed % 3 == 0 else 0.0
    got = rolling_sharpe(pd.Series(values), window, rf).to_numpy()
    np.testing.assert_array_equal(got, one_by_one(values, window, rf))


def test_short_series_and_bad_windows() -> None:
    assert rolling_sharpe(pd.Series([0.01, 0.02]), 5).isna().all()
    assert rolling_sharpe(pd.Series([], dtype=float), 5).empty
    with pytest.raises(ValueError, match="at least 2 sessions"):
        rolling_sharpe(pd.Series([0.01, 0.02]), 1)
