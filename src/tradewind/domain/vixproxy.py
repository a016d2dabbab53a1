"""The documented VIX proxy: VIX-scaled realized volatility of an index (pure array math).

Shared by the data providers (which serve it, flagged, where no VIX is observed) and the regime
detectors (which fall back to it where an observed VIX is missing or too old), so neither has
to import the other.

``proxy_t = PROXY_SCALE * 100 * sqrt(252 * EWM_hl(r^2))``, with ``r`` the index's daily log
returns and ``hl = PROXY_HALFLIFE`` bars. ``PROXY_SCALE = 1.2`` is the usual ratio of implied to
realized volatility of the S&P 500 (VIX carries a variance risk premium); over the bundled
2014-2019 overlap the mean VIX is about 1.2 times the mean 21-day realized volatility too. It is a
fixed constant, not refitted on later data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PROXY_HALFLIFE = 10
"""Halflife (bars) of the exponentially weighted mean of squared returns."""

PROXY_SCALE = 1.2
"""Implied over realized volatility (the variance risk premium), a fixed constant."""


def vix_proxy(log_returns: pd.Series, halflife: int = PROXY_HALFLIFE) -> pd.Series:
    """VIX-scaled realized volatility of an index (see the module docstring); causal."""
    var = (log_returns**2).ewm(halflife=halflife, min_periods=halflife).mean()
    out: pd.Series = PROXY_SCALE * 100.0 * np.sqrt(252.0 * var)
    return out
