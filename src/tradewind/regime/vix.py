"""VIX for the detectors: the provider's series when it is fresh, a flagged proxy otherwise.

Missing VIX never silently means "calm": wherever no observed value is at most
:data:`MAX_VIX_AGE` old at a bar's timestamp, the level comes from :func:`vix_proxy` and the row is
flagged ``is_proxy``. A provider's ``VixSeries`` that is itself a proxy flags every row.

The proxy is :func:`tradewind.domain.vixproxy.vix_proxy` (documented there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradewind.domain.market import VixSeries
from tradewind.domain.vixproxy import PROXY_HALFLIFE, PROXY_SCALE, vix_proxy

__all__ = ["MAX_VIX_AGE", "PROXY_HALFLIFE", "PROXY_SCALE", "VixInput", "align_vix", "vix_proxy"]

VixInput = VixSeries | pd.Series | None

MAX_VIX_AGE = pd.Timedelta(days=5)
"""An observed VIX older than this at a bar's timestamp is not used (the proxy is)."""


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
