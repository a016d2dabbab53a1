"""Wilder indicators (ATR, ADX) on wide frames: one column per symbol, one row per bar.

These are the formulas of :mod:`tradewind.regime.features` (Wilder smoothing ``alpha =
1/period``, true range from the previous close, ADX from the smoothed directional movement),
applied to every column at once. They are written again here rather than imported because the
logic packages (``regime``, ``signals``) may not import each other; a test checks that both
give the same numbers. Every value at ``t`` uses rows up to ``t`` only (left-to-right EWMs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def wilder(x: pd.DataFrame, period: int) -> pd.DataFrame:
    """Wilder's smoothing per column, defined after ``period`` values."""
    return x.ewm(alpha=1.0 / period, adjust=False, min_periods=period).mean()


def true_range(high: pd.DataFrame, low: pd.DataFrame, close: pd.DataFrame) -> pd.DataFrame:
    """``max(H - L, |H - C_prev|, |L - C_prev|)`` per column (the first bar: ``H - L``)."""
    prev = close.shift(1)
    a = (high - low).to_numpy()
    b = (high - prev).abs().to_numpy()
    c = (low - prev).abs().to_numpy()
    with np.errstate(invalid="ignore"):
        out = np.fmax(np.fmax(a, b), c)
    return pd.DataFrame(out, index=close.index, columns=close.columns)


def atr(high: pd.DataFrame, low: pd.DataFrame, close: pd.DataFrame, period: int) -> pd.DataFrame:
    """Average true range (Wilder), from the second bar on."""
    tr = true_range(high, low, close)
    return wilder(tr.iloc[1:], period).reindex(tr.index)


def adx(high: pd.DataFrame, low: pd.DataFrame, close: pd.DataFrame, period: int) -> pd.DataFrame:
    """Wilder's ADX (points, 0-100) per column."""
    up = high.diff()
    down = -low.diff()
    plus_dm = up.where((up > down) & (up > 0), 0.0)
    minus_dm = down.where((down > up) & (down > 0), 0.0)
    tr = true_range(high, low, close)
    atr_ = wilder(tr.iloc[1:], period)
    plus_di = 100.0 * wilder(plus_dm.iloc[1:], period) / atr_
    minus_di = 100.0 * wilder(minus_dm.iloc[1:], period) / atr_
    di_sum = (plus_di + minus_di).replace(0.0, np.nan)
    dx = 100.0 * (plus_di - minus_di).abs() / di_sum
    columns = {}
    for name in dx.columns:
        col = dx[name]
        first = col.first_valid_index()
        columns[name] = (
            col.loc[first:].ewm(alpha=1.0 / period, adjust=False, min_periods=period).mean()
            if first is not None
            else col * np.nan
        )
    return pd.DataFrame(columns).reindex(close.index)
