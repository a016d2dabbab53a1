"""The ``rules`` detector: transparent thresholds on VIX, trend, ADX and ATR%.

The volatility **gauge** ``g`` blends VIX with the index's own realized volatility on the VIX
scale (:func:`~tradewind.regime.vix.vix_proxy`, 5-bar halflife): ``g = VIX^(1-w) * RV^w`` with
``w = vol_blend``. Realized volatility reacts within days and has noise independent of the VIX's;
where VIX is missing the gauge is the proxy alone (and the estimate is flagged).

Decision at bar ``t`` (``p`` is the regime in force before ``t``, ``h`` the hysteresis fraction;
a threshold a regime must cross to be *left* is moved by ``h`` in its favour):

1. **VOLATILE** if ``g >= vix_volatile`` or ``ATR% >= atr_pct_volatile``.
2. *Rising* when ``trend = close / SMA(trend_window) - 1`` is above ``+trend_band`` and
   ``ADX >= adx_trend``; *falling* when below ``-trend_band`` with ``ADX >= adx_trend``.
3. Nervous market, ``g >= vix_calm``: **BEAR**, or **CHOPPY** if rising.
4. Calm market, ``g < vix_bull``: **BULL**, or **CHOPPY** if falling.
5. In between: **BULL** if rising, **BEAR** if falling, otherwise **CHOPPY**.

Confidence is ``0.5 + 0.5 tanh(m)``, ``m`` the smallest margin (in units of 5 VIX points, 0.5%
ATR, 5 ADX points or the trend band) of the conditions that decided; 0.5 means a threshold is
touching.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pandas as pd

from tradewind.domain.types import Regime
from tradewind.regime.base import BaseDetector, RawDecision
from tradewind.regime.features import FeatureSpec
from tradewind.regime.vix import VixInput, vix_proxy

_VIX_SCALE, _ATR_SCALE, _ADX_SCALE = 5.0, 0.005, 5.0
GAUGE_HALFLIFE = 5
"""Halflife (bars) of the realized volatility blended into the gauge."""


class RulesDetector(BaseDetector):
    """Threshold rules with hysteresis and a minimum stay.

    Parameters
    ----------
    vix_volatile, vix_calm, vix_bull, adx_trend, atr_pct_volatile, trend_window
        Thresholds, as in ``regime.rules`` (:class:`~tradewind.config.RulesThresholds`).
    vol_blend
        Weight ``w`` of realized volatility in the gauge (0: VIX only).
    hysteresis
        Relative band by which a threshold moves in favour of the regime in force.
    trend_band
        Band around the moving average, as a fraction of it, for changing direction.
    min_stay_days, confirm_days
        Stabilizer settings (see :class:`~tradewind.regime.base.Stabilizer`).
    """

    name: ClassVar[str] = "rules"
    used_features: ClassVar[tuple[str, ...]] = (
        "gauge",
        "vix",
        "vix_chg",
        "rv_20",
        "trend",
        "adx",
        "atr_pct",
    )

    def __init__(
        self,
        *,
        vix_volatile: float = 30.0,
        vix_calm: float = 20.0,
        vix_bull: float = 16.0,
        adx_trend: float = 20.0,
        atr_pct_volatile: float = 0.03,
        trend_window: int = 200,
        vol_blend: float = 0.5,
        hysteresis: float = 0.1,
        trend_band: float = 0.01,
        min_stay_days: int = 5,
        confirm_days: int = 2,
    ) -> None:
        self.vix_volatile = vix_volatile
        self.vix_calm = vix_calm
        self.vix_bull = vix_bull
        self.adx_trend = adx_trend
        self.atr_pct_volatile = atr_pct_volatile
        self.trend_window = trend_window
        self.vol_blend = vol_blend
        self.hysteresis = hysteresis
        self.trend_band = trend_band
        super().__init__(
            min_stay_days=min_stay_days,
            confirm_days=confirm_days,
            spec=FeatureSpec(trend_window=trend_window, fast_ma=min(50, trend_window)),
        )

    def features(
        self, bars: pd.DataFrame, vix: VixInput = None, *, close_only: bool = False
    ) -> pd.DataFrame:
        """Base features plus the volatility ``gauge``."""
        feats = super().features(bars, vix, close_only=close_only)
        rv = vix_proxy(np.log(feats["close"]).diff(), GAUGE_HALFLIFE)
        w = self.vol_blend
        feats["gauge"] = np.exp((1.0 - w) * np.log(feats["vix"]) + w * np.log(rv))
        return feats

    def _decide(self, i: int, X: np.ndarray, columns: Mapping[str, int]) -> RawDecision | None:
        row = X[i]
        g, trend = row[columns["gauge"]], row[columns["trend"]]
        adx, atr_pct = row[columns["adx"]], row[columns["atr_pct"]]
        if not np.isfinite([g, trend, adx, atr_pct]).all():
            return None
        p, h = self.current_regime, self.hysteresis

        def at(threshold: float, regime: Regime, leave_above: bool) -> float:
            """``threshold`` moved by the hysteresis in favour of ``regime`` if it holds."""
            if p is not regime:
                return threshold
            return threshold * (1.0 - h) if leave_above else threshold * (1.0 + h)

        m_vol = max(
            (g - at(self.vix_volatile, Regime.VOLATILE, True)) / _VIX_SCALE,
            (atr_pct - at(self.atr_pct_volatile, Regime.VOLATILE, True)) / _ATR_SCALE,
        )
        if m_vol >= 0:
            return _decision(Regime.VOLATILE, m_vol)
        b = self.trend_band
        band_scale = max(b, 0.01)
        m_down = ((b if p is Regime.BEAR else -b) - trend) / band_scale
        m_up = (trend - (-b if p is Regime.BULL else b)) / band_scale
        adx_at = self.adx_trend * (1.0 - h if p in (Regime.BULL, Regime.BEAR) else 1.0)
        m_adx = (adx - adx_at) / _ADX_SCALE
        rising, falling = m_up > 0 and m_adx >= 0, m_down > 0 and m_adx >= 0
        m_high = (g - at(self.vix_calm, Regime.BEAR, True)) / _VIX_SCALE
        m_low = (at(self.vix_bull, Regime.BULL, False) - g) / _VIX_SCALE
        vol_margin = min(-m_vol, abs(m_high), abs(m_low))
        trend_margin = min(abs(m_adx), max(m_up, m_down, 0.0))
        if m_high >= 0:  # nervous market: BEAR unless it is clearly rising
            regime = Regime.CHOPPY if rising else Regime.BEAR
        elif m_low > 0:  # calm market: BULL unless it is clearly falling
            regime = Regime.CHOPPY if falling else Regime.BULL
        else:  # in between: the trend decides
            regime = Regime.BULL if rising else Regime.BEAR if falling else Regime.CHOPPY
        overridden = (m_high >= 0 and rising) or (m_low > 0 and falling)
        moved_by_trend = overridden or (m_high < 0 < -m_low and (rising or falling))
        margin = min(vol_margin, trend_margin) if moved_by_trend else vol_margin
        return _decision(regime, margin)


def _decision(regime: Regime, margin: float) -> RawDecision:
    return RawDecision(regime, 0.5 + 0.5 * math.tanh(max(margin, 0.0)))
