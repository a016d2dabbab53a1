"""The ceiling for causal detection on synthetic data: a Bayes filter that knows the generator.

Given the true :class:`~tradewind.data.scenario.RegimeParams`, the filtered probability of each
regime follows exactly from the generator's model: index log return
``r_t ~ N(drift_k dt, vol_k^2 dt)`` and VIX ``v_t = L_k + phi (v_(t-1) - L_k) + e_t`` with
``e_t`` correlated with the return shock (``vix_market_corr``); the VIX floor is ignored.
Its decision is ``argmax_k P(k | data up to t) / pi_k`` (``pi`` the long-run shares: this favours
balanced accuracy), stabilized like any detector. No detector fitted without the true parameters
can be expected to beat it on average; it shows how much of a shortfall is the data's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradewind.data.scenario import REGIMES as GEN_REGIMES
from tradewind.data.scenario import RegimeParams
from tradewind.regime.base import Stabilizer

TRADING_DAYS = 252


def oracle_regimes(
    index: pd.Series,
    vix: pd.Series,
    params: RegimeParams,
    *,
    min_stay_days: int = 5,
    confirm_days: int = 2,
) -> pd.Series:
    """Stabilized Bayes-filter regimes (strings) for a synthetic daily market."""
    r = np.log(index.to_numpy(dtype=float))
    r = np.diff(r, prepend=np.nan)
    v = vix.reindex(index.index).to_numpy(dtype=float)
    dt = 1.0 / TRADING_DAYS
    mu, sg, lv = (
        params.column("drift") * dt,
        params.column("vol") * np.sqrt(dt),
        params.column("vix"),
    )
    phi = 0.5 ** (1.0 / params.vix_half_life)
    c = params.vix_market_corr
    sv = params.vix_noise * lv / 20.0
    n, K = len(r), len(GEN_REGIMES)
    ll = np.zeros((n, K))
    for k in range(K):
        er = (r[1:] - mu[k]) / sg[k]
        ev = (v[1:] - (lv[k] + phi * (v[:-1] - lv[k]))) / sv[k]
        q = (er**2 - 2 * c * er * ev + ev**2) / (1 - c * c)
        ll[1:, k] = -0.5 * q - np.log(sg[k] * sv[k] * np.sqrt(1 - c * c))
    A = params.transition_matrix()
    pi = params.long_run()
    alpha = pi.copy()
    stab = Stabilizer(min_stay_days, confirm_days)
    out: list[str | None] = [None]
    for t in range(1, n):
        b = np.exp(ll[t] - ll[t].max())
        alpha = (alpha @ A) * b
        alpha /= alpha.sum()
        out.append(stab.step(GEN_REGIMES[int(np.argmax(alpha / pi))]).value)
    return pd.Series(out, index=index.index, name="regime", dtype=object)
