"""Features per symbol and date, each computed from data stamped at or before that date.

Every feature is a left-to-right recursion over the bars (differences, rolling windows, Wilder
EWMs) or a cross-section of values at the same date, so the row at ``t`` computed on a long
history equals the row computed on the history cut at ``t`` (``tests/signals`` checks it). The
market inputs (benchmark, VIX, the regime detector's causal decisions) are joined as of each
bar: the last value stamped at or before it.

Features (``FEATURES``):

* per symbol: log returns over 5, 21, 63, 126 and 252 sessions, 12-1 momentum, annualized
  volatility over 21 and 63 sessions, ATR(14) as a fraction of the close, ADX(14), distance of
  the close to its 50- and 200-session moving averages; each enters as a cross-sectional
  z-score at its date (how far the symbol is from the others), which keeps its distribution
  comparable across market eras: the models rank stocks, and the drift check
  (:mod:`tradewind.signals.health`) then flags broken inputs rather than every bear market;
* cross-sectional ranks at the date (centred on 0): 21- and 63-session return, 12-1 momentum,
  63-session volatility;
* market: the benchmark's 21- and 63-session return, 21-session volatility and distance to its
  200-session average (without a benchmark: the symbols' equal-weighted index); the VIX
  level, its 21-session log change and whether it is a proxy (without a VIX series: the
  market's 21-session realized volatility in VIX points, flagged as a proxy);
  the detected regime as four indicators (all 0 while the detector warms up).

Close-only symbols (derived open/high/low) use the close as high and low, as
:mod:`tradewind.regime.features` does: ATR becomes the smoothed absolute close change.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.signals.indicators import adx, atr

TRADING_DAYS = 252

SYMBOL_FEATURES: tuple[str, ...] = (
    "ret_5",
    "ret_21",
    "ret_63",
    "ret_126",
    "ret_252",
    "mom_12_1",
    "vol_21",
    "vol_63",
    "atr_pct",
    "adx",
    "dist_ma50",
    "dist_ma200",
)
RANK_FEATURES: tuple[str, ...] = ("rank_ret_21", "rank_ret_63", "rank_mom_12_1", "rank_vol_63")
MARKET_FEATURES: tuple[str, ...] = (
    "mkt_ret_21",
    "mkt_ret_63",
    "mkt_vol_21",
    "mkt_dist_ma200",
    "vix",
    "vix_chg_21",
    "vix_is_proxy",
    "regime_bull",
    "regime_bear",
    "regime_choppy",
    "regime_volatile",
)
FEATURES: tuple[str, ...] = SYMBOL_FEATURES + RANK_FEATURES + MARKET_FEATURES
"""Every feature's name, in the column order of :attr:`FeaturePanel.values`."""

WARMUP = 253
"""Sessions before every per-symbol feature is defined (the 252-session return)."""


@dataclass(frozen=True)
class MarketInputs:
    """What features are computed from: wide frames (timestamps x symbols) plus market series.

    Attributes
    ----------
    close, high, low
        Bars of the symbols on one timeline (NaN where a symbol has no bar).
    close_only
        Symbols whose high/low are derived from closes (they use the close instead).
    benchmark
        Benchmark closes, or None (market features are then NaN).
    vix, vix_is_proxy
        VIX levels and per-row proxy flags, or None.
    regime
        The regime detector's causal decisions (``BULL`` ... or NaN in warm-up), or None.
    """

    close: pd.DataFrame
    high: pd.DataFrame
    low: pd.DataFrame
    close_only: frozenset[str] = frozenset()
    benchmark: pd.Series | None = None
    vix: pd.Series | None = None
    vix_is_proxy: pd.Series | None = None
    regime: pd.Series | None = None

    def until(self, t: pd.Timestamp) -> MarketInputs:
        """The inputs stamped at or before ``t`` (what is knowable at ``t``)."""

        def cut(x: pd.Series | None) -> pd.Series | None:
            return None if x is None else x.loc[:t]

        return MarketInputs(
            self.close.loc[:t],
            self.high.loc[:t],
            self.low.loc[:t],
            self.close_only,
            cut(self.benchmark),
            cut(self.vix),
            cut(self.vix_is_proxy),
            cut(self.regime),
        )


@dataclass(frozen=True)
class FeaturePanel:
    """Features as a (dates x symbols x features) array, with the closes they came from."""

    index: pd.DatetimeIndex
    symbols: tuple[str, ...]
    names: tuple[str, ...]
    values: npt.NDArray[np.float64]
    close: pd.DataFrame

    def at(self, row: int) -> npt.NDArray[np.float64]:
        """The (symbols x features) matrix of one date."""
        matrix: npt.NDArray[np.float64] = self.values[row]
        return matrix

    def row_of(self, t: pd.Timestamp) -> int:
        """The last row stamped at or before ``t`` (-1 before the first)."""
        return int(self.index.searchsorted(t, side="right")) - 1

    def frame(self, row: int) -> pd.DataFrame:
        """One date's features as a frame (symbols x features), for display."""
        return pd.DataFrame(self.values[row], index=list(self.symbols), columns=list(self.names))


def _as_of(series: pd.Series | None, index: pd.DatetimeIndex) -> pd.Series:
    if series is None:
        return pd.Series(np.nan, index=index)
    return series.sort_index().reindex(index, method="ffill")


def _symbol_features(inputs: MarketInputs) -> dict[str, pd.DataFrame]:
    close = inputs.close.astype(float)
    derived = [s for s in close.columns if s in inputs.close_only]
    high = inputs.high.astype(float).copy()
    low = inputs.low.astype(float).copy()
    high[derived] = close[derived]
    low[derived] = close[derived]
    logp = close.apply(np.log)
    r1 = logp.diff()
    out: dict[str, pd.DataFrame] = {}
    for h in (5, 21, 63, 126, 252):
        out[f"ret_{h}"] = logp.diff(h)
    out["mom_12_1"] = out["ret_252"] - out["ret_21"]
    for w in (21, 63):
        out[f"vol_{w}"] = r1.rolling(w, min_periods=w).std() * np.sqrt(TRADING_DAYS)
    out["atr_pct"] = atr(high, low, close, 14) / close
    out["adx"] = adx(high, low, close, 14)
    for w in (50, 200):
        out[f"dist_ma{w}"] = close / close.rolling(w, min_periods=w).mean() - 1.0
    return out


def _zscore(frame: pd.DataFrame) -> pd.DataFrame:
    """Cross-sectional z-score at each date (NaN with fewer than 3 symbols or no spread)."""
    values = frame.to_numpy(dtype=float)
    count = np.isfinite(values).sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # dates without any value
        mean = np.nanmean(values, axis=1, keepdims=True)
        std = np.nanstd(values, axis=1, keepdims=True)
        z = (values - mean) / std
    z[(count < 3).ravel()] = np.nan
    z[~np.isfinite(z)] = np.nan
    return pd.DataFrame(z, index=frame.index, columns=frame.columns)


def _rank(frame: pd.DataFrame) -> pd.DataFrame:
    """Cross-sectional percentile rank at each date, centred on 0 (NaN stays NaN)."""
    return frame.rank(axis=1, pct=True) - 0.5


def _equal_weight_index(close: pd.DataFrame) -> pd.Series:
    """The symbols' equal-weighted index (a stand-in benchmark when none is given)."""
    daily = close.pct_change(fill_method=None).mean(axis=1).fillna(0.0)
    return (1.0 + daily).cumprod()


def _market_features(inputs: MarketInputs) -> dict[str, pd.Series]:
    index = pd.DatetimeIndex(inputs.close.index)
    if inputs.benchmark is not None:
        bench = _as_of(inputs.benchmark, index).astype(float)
    else:
        bench = _equal_weight_index(inputs.close.astype(float))
    logb = bench.apply(np.log)
    mkt_vol = logb.diff().rolling(21, min_periods=21).std() * np.sqrt(TRADING_DAYS)
    out: dict[str, pd.Series] = {
        "mkt_ret_21": logb.diff(21),
        "mkt_ret_63": logb.diff(63),
        "mkt_vol_21": mkt_vol,
        "mkt_dist_ma200": bench / bench.rolling(200, min_periods=200).mean() - 1.0,
    }
    if inputs.vix is not None:
        vix = _as_of(inputs.vix, index).astype(float)
        flags = _as_of(inputs.vix_is_proxy, index) if inputs.vix_is_proxy is not None else None
        proxy = flags.astype(float) if flags is not None else pd.Series(0.0, index=index)
    else:  # no VIX at all: the market's realized volatility in VIX points, flagged
        vix = 100.0 * mkt_vol
        proxy = pd.Series(1.0, index=index)
    out["vix"] = vix
    out["vix_chg_21"] = vix.apply(np.log).diff(21)
    out["vix_is_proxy"] = proxy
    regime = _as_of(inputs.regime, index) if inputs.regime is not None else None
    for name in ("bull", "bear", "choppy", "volatile"):
        out[f"regime_{name}"] = (
            (regime == name.upper()).astype(float)
            if regime is not None
            else pd.Series(0.0, index=index)
        )
    return out


def build_features(inputs: MarketInputs) -> FeaturePanel:
    """The :data:`FEATURES` of every symbol at every date of ``inputs``."""
    symbols = tuple(str(s) for s in inputs.close.columns)
    index = pd.DatetimeIndex(inputs.close.index)
    per_symbol = _symbol_features(inputs)
    ranks = {
        "rank_ret_21": _rank(per_symbol["ret_21"]),
        "rank_ret_63": _rank(per_symbol["ret_63"]),
        "rank_mom_12_1": _rank(per_symbol["mom_12_1"]),
        "rank_vol_63": _rank(per_symbol["vol_63"]),
    }
    market = _market_features(inputs)
    values = np.empty((len(index), len(symbols), len(FEATURES)))
    for k, name in enumerate(FEATURES):
        if name in per_symbol:
            values[:, :, k] = _zscore(per_symbol[name]).to_numpy(dtype=float)
        elif name in ranks:
            values[:, :, k] = ranks[name].to_numpy(dtype=float)
        else:
            values[:, :, k] = market[name].to_numpy(dtype=float)[:, None]
    values[~np.isfinite(values)] = np.nan
    return FeaturePanel(index, symbols, FEATURES, values, inputs.close.astype(float))


def select(names: Sequence[str]) -> list[int]:
    """Column positions of ``names`` in :data:`FEATURES` (raises ``KeyError`` naming one)."""
    missing = [n for n in names if n not in FEATURES]
    if missing:
        raise KeyError(f"unknown feature(s) {missing}; known: {', '.join(FEATURES)}")
    return [FEATURES.index(n) for n in names]
