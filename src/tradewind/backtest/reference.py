"""A plain numpy implementation of the canonical backtest convention of ``shared/BENCH_TASKS.md``.

It is the yardstick the engine is checked against (tests) and timed against (``make bench``):
cash deposited at the close of row 0; on rebalance rows every asset is set to exactly
``w_i x V_post`` at that close, cash to ``V_pre (1 - sum w)`` less costs, where ``V_post`` solves
the self-financing fixed point ``c = 1 - rate * sum_i |w_i c - d_i|`` (a contraction, iterated
from ``c = 1``); costs are ``rate x |traded notional|`` paid in cash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.domain.arrays import FloatArray
from tradewind.domain.types import EXCHANGE_TZ


@dataclass(frozen=True)
class ReferenceResult:
    """Equity path and totals of a reference run."""

    equity: FloatArray
    total_costs: float
    turnover: float


def month_start_rows(index: pd.DatetimeIndex) -> npt.NDArray[np.int64]:
    """Row 0 plus every row whose (year, month) differs from the previous row's (New York dates)."""
    local = index.tz_convert(EXCHANGE_TZ) if index.tz is not None else index
    key = local.year * 12 + local.month
    change = np.r_[True, key[1:] != key[:-1]]
    return np.flatnonzero(change).astype(np.int64)


def self_financing_scale(w: FloatArray, d: FloatArray, rate: float, tol: float = 1e-15) -> float:
    """The fixed point ``c = 1 - rate * sum |w c - d|`` (``V_post / V_pre``)."""
    c = 1.0
    for _ in range(100):
        nxt = 1.0 - rate * float(np.abs(w * c - d).sum())
        if abs(nxt - c) <= tol:
            return nxt
        c = nxt
    return c


def run_reference(
    prices: FloatArray,
    weights: Mapping[int, FloatArray],
    *,
    initial_cash: float = 100_000.0,
    rate: float = 0.001,
) -> ReferenceResult:
    """Equity at every row of ``prices`` (T x N) rebalancing to ``weights[row]`` on given rows."""
    n_rows, n = prices.shape
    h = np.zeros(n)
    cash = initial_cash
    equity = np.empty(n_rows)
    costs = turnover = 0.0
    for t in range(n_rows):
        p = prices[t]
        w = weights.get(t)
        if w is not None:
            held = h * p
            v_pre = cash + float(held.sum())
            d = held / v_pre
            c = self_financing_scale(w, d, rate)
            v_post = c * v_pre
            target = w * v_post
            traded = float(np.abs(target - held).sum())
            cost = rate * traded
            h = target / p
            cash = v_pre - cost - float(target.sum())
            costs += cost
            turnover += traded / v_pre
        equity[t] = cash + float(h @ p)
    return ReferenceResult(equity, costs, turnover)
