"""VIX for the detectors: the provider's series when it is fresh, a flagged proxy otherwise.

Missing VIX never silently means "calm": wherever no observed value is at most
:data:`MAX_VIX_AGE` old at a bar's timestamp, the level comes from :func:`vix_proxy` and the row is
flagged ``is_proxy``. A provider's ``VixSeries`` that is itself a proxy flags every row.

The proxy (documented, not a forecast of the real VIX):
``proxy_t = PROXY_SCALE * 100 * sqrt(252 * EWM_hl(r^2))``, with ``r`` the index's daily log
returns and ``hl = PROXY_HALFLIFE`` bars. ``PROXY_SCALE = 1.2`` is the usual ratio of implied to
realized volatility of the S&P 500 (VIX carries a variance risk premium); over the bundled
2014-2019 overlap the mean VIX is about 1.2 times the mean 21-day realized volatility too. It is a
fixed constant, not refitted on later data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradewind.data.protocol import VixSeries

VixInput = VixSeries | pd.Series | None

MAX_VIX_AGE = pd.Timedelta(days=5)
"""An observed VIX older than this at a bar's timestamp is not used (the proxy is)."""

PROXY_HALFLIFE = 10
PROXY_SCALE = 1.2


def vix_proxy(log_returns: pd.Series, halflife: int = PROXY_HALFLIFE) -> pd.Series:
    """VIX-scaled realized volatility of an index (see the module docstring); causal."""
    var = (log_returns**2).ewm(halflife=halflife, min_periods=halflife).mean()
    out: pd.Series = PROXY_SCALE * 100.0 * np.sqrt(252.0 * var)
    return out


def align_vix(
    index: pd.DatetimeIndex | pd.Index, vix: VixInput, log_returns: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """VIX level at each bar of ``index`` and whether it is a proxy.

    Parameters
    ----------
    index
        Bar-end timestamps of the index series.
    vix
        Observed VIX (a ``VixSeries`` or a Series of levels), or None.
    log_returns
        Daily log returns of the index on ``index``, for the proxy.

    Returns
    -------
    level, is_proxy
        Two Series on ``index``: the VIX level (last observation at or before each bar and no
        older than :data:`MAX_VIX_AGE`, else the proxy) and a boolean proxy flag (True where
        the proxy is used or the provider marks its value as a proxy).
    """
    proxy = vix_proxy(log_returns)
    if vix is None:
        return proxy.rename("vix"), pd.Series(True, index=index, name="vix_is_proxy")
    values = vix.values if isinstance(vix, VixSeries) else vix
    observed = _asof(index, values.dropna().astype(float))
    missing = observed.isna()
    use_proxy = missing | _provider_proxy(index, vix)
    level = observed.where(~missing, proxy)
    return level.rename("vix"), use_proxy.rename("vix_is_proxy")


def _provider_proxy(index: pd.DatetimeIndex | pd.Index, vix: VixSeries | pd.Series) -> pd.Series:
    """Rows whose provider value is itself a proxy.

    ``VixSeries.is_proxy`` is one flag for the whole series; a provider may add a per-row
    boolean Series ``proxy_mask`` (True where a value is a proxy) to say which rows.
    """
    if not isinstance(vix, VixSeries) or not vix.is_proxy:
        return pd.Series(False, index=index)
    mask = getattr(vix, "proxy_mask", None)
    if isinstance(mask, pd.Series):
        flagged = _asof(index, mask.astype(float))
        return flagged.fillna(1.0) > 0
    return pd.Series(True, index=index)


def _asof(index: pd.DatetimeIndex | pd.Index, values: pd.Series) -> pd.Series:
    """Last value stamped at or before each timestamp and at most MAX_VIX_AGE old."""
    if values.empty:
        return pd.Series(np.nan, index=index)
    values = values.sort_index()
    left = pd.DataFrame({"ts": index})
    right = pd.DataFrame({"ts": values.index, "v": values.to_numpy()})
    if left["ts"].dt.tz is not None and right["ts"].dt.tz is not None:
        right["ts"] = right["ts"].dt.tz_convert(left["ts"].dt.tz)
    right["ts"] = right["ts"].astype(left["ts"].dtype)
    merged = pd.merge_asof(left, right, on="ts", direction="backward", tolerance=MAX_VIX_AGE)
    return pd.Series(merged["v"].to_numpy(dtype=float), index=index)
