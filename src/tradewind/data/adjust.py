"""Split and dividend adjustment of raw bars, computed on every read.

The cache keeps prices as traded plus the corporate actions (:mod:`tradewind.data.providers.base`
``RAW_COLUMNS``), so adjusting is a pure function of what is stored: a split or a dividend that
arrives with tomorrow's bar re-adjusts every earlier bar the next time the series is read, and
nothing cached ever has to be rewritten.

For a row at ``t`` (the standard multiplicative method, as CRSP and Yahoo's ``Adj Close``):

* split factor ``S(t) = prod(split_s for s > t)``: prices are divided by it, volume multiplied;
* dividend factor ``D(t) = prod(1 - div_s * split_s / close_{s-1} for s > t)``: prices are
  multiplied by it (``div_s`` is the cash dividend going ex on ``s``, in shares after any split
  on ``s``; ``close_{s-1}`` is the raw close the day before).

``dividends=False`` gives split-adjusted prices (what a broker's chart shows); ``True`` gives
total-return prices (what a backtest should compare).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.domain.arrays import FloatArray


def after_product(values: FloatArray) -> FloatArray:
    """For each row, the product of ``values`` over the rows strictly after it."""
    out = np.ones(len(values))
    if len(values) > 1:
        out[:-1] = np.cumprod(values[::-1])[::-1][1:]
    return out


def split_factors(split: npt.ArrayLike) -> FloatArray:
    """``S(t)`` of the module docstring (1 where no split follows)."""
    s = np.asarray(split, dtype=float)
    s = np.where(np.isfinite(s) & (s > 0), s, 1.0)
    return after_product(s)


def dividend_factors(
    close: npt.ArrayLike, dividend: npt.ArrayLike, split: npt.ArrayLike
) -> FloatArray:
    """``D(t)`` of the module docstring (1 where no dividend follows)."""
    c = np.asarray(close, dtype=float)
    d = np.nan_to_num(np.asarray(dividend, dtype=float), nan=0.0)
    s = np.asarray(split, dtype=float)
    s = np.where(np.isfinite(s) & (s > 0), s, 1.0)
    m = np.ones(len(c))
    if len(c) > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = d[1:] * s[1:] / c[:-1]
        m[1:] = np.where((d[1:] > 0) & np.isfinite(ratio) & (ratio < 1), 1.0 - ratio, 1.0)
    return after_product(m)


def adjust(raw: pd.DataFrame, *, dividends: bool = True) -> pd.DataFrame:
    """OHLCV adjusted for splits (and dividends) from a raw frame with the actions columns."""
    split = raw["split"].to_numpy(dtype=float)
    factor = 1.0 / split_factors(split)
    if dividends:
        factor = factor * dividend_factors(raw["close"], raw["dividend"], split)
    out = pd.DataFrame(index=raw.index)
    for column in ("open", "high", "low", "close"):
        out[column] = raw[column].to_numpy(dtype=float) * factor
    out["volume"] = raw["volume"].to_numpy(dtype=float) * split_factors(split)
    return out


def to_raw(frame: pd.DataFrame) -> pd.DataFrame:
    """Raw prices from a split-adjusted frame that lists its own splits (``split`` column).

    For providers (Yahoo) whose prices and dividends are split-adjusted as of the request, which
    ran through today: every split after a row is in the same reply, so multiplying by ``S(t)``
    restores the prices as traded.
    """
    s = split_factors(frame["split"].to_numpy(dtype=float))
    out = frame.copy()
    for column in ("open", "high", "low", "close", "dividend"):
        out[column] = frame[column].to_numpy(dtype=float) * s
    out["volume"] = frame["volume"].to_numpy(dtype=float) / s
    return out
