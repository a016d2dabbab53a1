"""Causal market features for regime detection: every value at ``t`` uses bars stamped ``<= t``.

All features are built from left-to-right recursions (rolling windows, Wilder/EWM smoothing,
backward as-of joins), so the feature row at ``t`` computed on a long history is bit-for-bit the
row computed on the history cut at ``t``. :func:`compute_features` is the single entry point.

Close-only series
-----------------
Index series such as the bundled ``SP500`` carry closes only (their open/high/low are derived).
With ``close_only=True`` high and low are taken equal to the close, so:

* true range becomes the absolute close-to-close change, ``TR_t = |C_t - C_{t-1}|``;
* +DM/-DM become the positive/negative parts of ``C_t - C_{t-1}``, hence ``+DI + -DI = 100`` and
  ADX is the Wilder-smoothed *efficiency ratio* ``100 |W(dC)| / W(|dC|)``.

Close-to-close ATR is smaller than the true-range ATR of the same market (intraday range is
ignored), so ATR% thresholds for close-only series are not those of an OHLC series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradewind.regime.vix import VixInput, align_vix

TRADING_DAYS = 252
"""Trading days per year, used to annualize volatilities."""


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """Windows of the features (in bars).

    Attributes
    ----------
    return_horizons
        Horizons of the log returns ``ret_{h}d``.
    vol_windows
        Windows of the annualized realized volatilities ``rv_{w}``.
    atr_period, adx_period
        Wilder smoothing periods of ATR and ADX.
    fast_ma, trend_window
        Moving averages for ``trend_fast`` and ``trend`` (price over its average, minus one).
    drawdown_window
        Window of the rolling peak used by ``drawdown``.
    ewm_halflives
        Halflives of the EWM return mean ``ewm_ret_{h}`` and downside deviation ``ewm_dd_{h}``.
    vix_change
        Bars over which ``vix_chg`` is measured.
    """

    return_horizons: tuple[int, ...] = (1, 5, 21, 63)
    vol_windows: tuple[int, ...] = (20, 60)
    atr_period: int = 14
    adx_period: int = 14
    fast_ma: int = 50
    trend_window: int = 200
    drawdown_window: int = 252
    ewm_halflives: tuple[int, ...] = (5, 10, 21)
    vix_change: int = 5

    @property
    def warmup(self) -> int:
        """Bars needed before every feature is defined."""
        return (
            max(
                max(self.return_horizons),
                max(self.vol_windows),
                3 * self.adx_period,
                self.trend_window,
                self.fast_ma,
            )
            + 1
        )


def wilder(x: pd.Series, period: int) -> pd.Series:
    """Wilder's smoothing: an EWM with ``alpha = 1/period``, defined after ``period`` values."""
    return x.ewm(alpha=1.0 / period, adjust=False, min_periods=period).mean()


def true_range(high: pd.Series, low: pd.Series, close: pd.Series) -> pd.Series:
    """``max(H - L, |H - C_prev|, |L - C_prev|)``; the first bar's range is ``H - L``."""
    prev = close.shift(1)
    parts = pd.concat([high - low, (high - prev).abs(), (low - prev).abs()], axis=1)
    return parts.max(axis=1, skipna=True)


def atr(high: pd.Series, low: pd.Series, close: pd.Series, period: int = 14) -> pd.Series:
    """Average true range (Wilder), from the second bar on (the first has no previous close)."""
    tr = true_range(high, low, close)
    return wilder(tr.iloc[1:], period).reindex(tr.index)


def adx(
    high: pd.Series, low: pd.Series, close: pd.Series, period: int = 14
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Wilder's ADX with its directional indicators.

    Returns
    -------
    adx, plus_di, minus_di
        All in points (0-100).
    """
    up = high.diff()
    down = -low.diff()
    plus_dm = up.where((up > down) & (up > 0), 0.0)
    minus_dm = down.where((down > up) & (down > 0), 0.0)
    plus_dm.iloc[:1] = np.nan
    minus_dm.iloc[:1] = np.nan
    tr = true_range(high, low, close)
    tr.iloc[:1] = np.nan
    atr_ = wilder(tr.iloc[1:], period).reindex(tr.index)
    plus_di = 100.0 * wilder(plus_dm.iloc[1:], period).reindex(tr.index) / atr_
    minus_di = 100.0 * wilder(minus_dm.iloc[1:], period).reindex(tr.index) / atr_
    di_sum = (plus_di + minus_di).replace(0.0, np.nan)
    dx = 100.0 * (plus_di - minus_di).abs() / di_sum
    first = dx.first_valid_index()
    adx_ = wilder(dx.loc[first:], period).reindex(dx.index) if first is not None else dx * np.nan
    return adx_, plus_di, minus_di


def realized_vol(log_returns: pd.Series, window: int) -> pd.Series:
    """Annualized rolling standard deviation of daily log returns."""
    out: pd.Series = log_returns.rolling(window, min_periods=window).std() * np.sqrt(TRADING_DAYS)
    return out


def ewm_downside_dev(log_returns: pd.Series, halflife: int) -> pd.Series:
    """Annualized EWM downside deviation: ``sqrt(EWM(min(r, 0)^2) * 252)``."""
    neg = log_returns.clip(upper=0.0)
    out: pd.Series = np.sqrt(
        (neg**2).ewm(halflife=halflife, min_periods=halflife).mean() * TRADING_DAYS
    )
    return out


def _prices(bars: pd.DataFrame, close_only: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    close = bars["close"].astype(float)
    if close_only or "high" not in bars or "low" not in bars:
        return close, close, close
    return bars["high"].astype(float), bars["low"].astype(float), close


def compute_features(
    bars: pd.DataFrame,
    vix: VixInput = None,
    *,
    close_only: bool = False,
    spec: FeatureSpec | None = None,
) -> pd.DataFrame:
    """Causal regime features of one index, one row per bar.

    Parameters
    ----------
    bars
        OHLCV frame of the index (``close`` is required; ``high``/``low`` unless ``close_only``),
        indexed by bar-end UTC timestamps.
    vix
        VIX levels (a ``VixSeries`` or a Series) or None; rows without a fresh VIX value use the
        realized-volatility proxy and are flagged ``vix_is_proxy = 1``.
    close_only
        Treat the series as closes only (see the module notes on ATR and ADX).
    spec
        Feature windows; defaults to :class:`FeatureSpec`.

    Returns
    -------
    pandas.DataFrame
        Columns ``close``, ``ret_{h}d``, ``rv_{w}``, ``atr``, ``atr_pct``, ``adx``, ``plus_di``,
        ``minus_di``, ``trend``, ``trend_fast``, ``ma_cross``, ``drawdown``, ``ewm_ret_{h}``,
        ``ewm_dd_{h}``, ``vix``, ``vix_chg``, ``vix_is_proxy``. NaN where the window is not
        yet full.
    """
    spec = spec or FeatureSpec()
    high, low, close = _prices(bars, close_only)
    logp = pd.Series(np.log(close.to_numpy()), index=close.index)
    r1 = logp.diff()
    out: dict[str, pd.Series] = {"close": close}
    for h in spec.return_horizons:
        out[f"ret_{h}d"] = logp.diff(h)
    for w in spec.vol_windows:
        out[f"rv_{w}"] = realized_vol(r1, w)
    atr_ = atr(high, low, close, spec.atr_period)
    out["atr"] = atr_
    out["atr_pct"] = atr_ / close
    out["adx"], out["plus_di"], out["minus_di"] = adx(high, low, close, spec.adx_period)
    slow = close.rolling(spec.trend_window, min_periods=spec.trend_window).mean()
    fast = close.rolling(spec.fast_ma, min_periods=spec.fast_ma).mean()
    out["trend"] = close / slow - 1.0
    out["trend_fast"] = close / fast - 1.0
    out["ma_cross"] = fast / slow - 1.0
    peak = close.rolling(spec.drawdown_window, min_periods=1).max()
    out["drawdown"] = close / peak - 1.0
    for h in spec.ewm_halflives:
        out[f"ewm_ret_{h}"] = r1.ewm(halflife=h, min_periods=h).mean() * TRADING_DAYS
        out[f"ewm_dd_{h}"] = ewm_downside_dev(r1, h)
    level, is_proxy = align_vix(close.index, vix, r1)
    out["vix"] = level
    out["vix_chg"] = level - level.shift(spec.vix_change)
    out["vix_is_proxy"] = is_proxy.astype(float)
    frame = pd.DataFrame(out, index=close.index)
    return frame
