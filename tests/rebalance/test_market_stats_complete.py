"""Market statistics of complete windows (no hole: reduced without masks) equal the
per-symbol ``np.std`` / ``ndarray.mean`` to the last bit, and so does a window with one hole."""

from __future__ import annotations

import numpy as np
import pytest

from tradewind.rebalance.market_stats import window_stats


def _column_by_column(closes: np.ndarray, volume: np.ndarray) -> tuple[bytes, bytes]:
    """Each symbol's statistics alone (1-D reductions of its finite returns and volumes)."""
    vol, adv = [], []
    for i in range(closes.shape[1]):
        r = np.diff(np.log(closes[:, i]))
        r = r[np.isfinite(r)]
        vol.append(float(np.std(r, ddof=1)) if len(r) > 2 else np.nan)
        v = volume[:, i][np.isfinite(volume[:, i])]
        adv.append(float(v.mean()) if len(v) else np.nan)
    return np.array(vol).tobytes(), np.array(adv).tobytes()


@pytest.mark.parametrize("window", [1, 2, 3, 4, 20, 63, 200])
@pytest.mark.parametrize("n", [1, 2, 20, 500])
@pytest.mark.parametrize("hole", [False, True])
def test_complete_windows_reduce_as_each_column_alone(window: int, n: int, hole: bool) -> None:
    rng = np.random.default_rng(window * 1000 + n)
    closes = 50.0 * np.exp(np.cumsum(rng.normal(0, 0.03, (window + 1, n)), axis=0))
    volume = rng.uniform(1e3, 1e8, (window, n))
    if hole:  # one symbol misses a bar: every other column is still complete
        closes[window // 2, n // 2] = np.nan
        volume[0, n - 1] = np.nan
    vol, adv = window_stats(closes, volume)
    want_vol, want_adv = _column_by_column(closes, volume)
    assert vol.tobytes() == want_vol
    assert adv.tobytes() == want_adv
    if not hole:
        assert np.isnan(vol).all() == (window <= 2)  # a volatility needs three returns
