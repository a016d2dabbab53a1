"""A run's performance around deposits and withdrawals: time-weighted.

Money a person moves in or out of the account (a :class:`~tradewind.domain.cash.CapitalFlow`,
adopted after a reconciliation halt) changes the run's equity without being a gain or a loss.
The run's **performance path** removes it: the recorded equity ``E_t`` times a factor ``c``
that starts at 1 and, at each bar ``t`` whose equity first holds a flow ``F`` (the first bar
recorded at or after the flow), becomes ``c x (E_t - F) / E_t``. Every bar's return on the path
is then the account's return with the flow taken out (``(E_t - F) / E_{t-1}`` on the flow's
bar), and the path starts at the run's initial capital as the equity does: the returns,
cumulative return, Sharpe, drawdown and readiness figures are time-weighted. Dollar figures
(equity, cash, positions, costs) stay the account's; the day's P&L in dollars is the equity's
change less the day's flows (:func:`daily_pnl`).

A run without flows (every backtest and replay) has ``c = 1`` throughout: its path *is* its
equity, and :func:`performance_recorder` hands back the recorder itself.

A flow on a bar whose equity is not positive, or would not be once the flow is taken out,
leaves ``c`` as it is (there is no return to take it out of).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from tradewind.domain.cash import CapitalFlow
from tradewind.engine.recorder import Recorder
from tradewind.reports.rolling import session_dates


def bar_flows(ts: Sequence[datetime], flows: Sequence[CapitalFlow]) -> np.ndarray:
    """The flows each bar's equity holds for the first time (USD per bar; a flow after the
    last bar is not in the equity yet and shows nowhere)."""
    out = np.zeros(len(ts))
    if not flows or not len(ts):
        return out
    bars = pd.DatetimeIndex(list(ts)).as_unit("ns").asi8
    at = pd.DatetimeIndex([f.at for f in flows]).as_unit("ns").asi8
    where = np.searchsorted(bars, at, side="left")
    for i, flow in zip(where.tolist(), flows, strict=True):
        if i < len(out):
            out[i] += flow.amount
    return out


def flow_factors(equity: np.ndarray, flows_at_bar: np.ndarray) -> np.ndarray:
    """The factor ``c`` of every bar (see the module docstring) for the recorded ``equity``
    and the flows it first holds at each bar (:func:`bar_flows`)."""
    factors = np.ones(len(equity))
    c = 1.0
    for i in np.flatnonzero(flows_at_bar).tolist():
        e, f = float(equity[i]), float(flows_at_bar[i])
        if e > 0 and e - f > 0 and np.isfinite(e - f):
            c *= (e - f) / e
        factors[i:] = c
    return factors


def performance_path(
    ts: Sequence[datetime], equity: Sequence[float], flows: Sequence[CapitalFlow]
) -> np.ndarray:
    """The run's performance path: ``equity`` scaled by each bar's factor ``c``."""
    values = np.asarray(equity, dtype=float)
    out: np.ndarray = values * flow_factors(values, bar_flows(ts, flows))
    return out


def performance_recorder(recorder: Recorder, flows: Sequence[CapitalFlow]) -> Recorder:
    """``recorder`` with its equity (and cash, so cash's share of it holds) on the performance
    path; ``recorder`` itself when there is no flow."""
    if not flows:
        return recorder
    factors = flow_factors(np.asarray(recorder.equity, dtype=float), bar_flows(recorder.ts, flows))
    return recorder.revalued(
        (np.asarray(recorder.equity, dtype=float) * factors).tolist(),
        (np.asarray(recorder.cash, dtype=float) * factors).tolist(),
    )


def daily_pnl(account: Recorder, flows: Sequence[CapitalFlow], initial_capital: float) -> pd.Series:
    """The P&L of each session in dollars: the change of the account's equity from the
    previous session's last cycle (the first from ``initial_capital``), less the flows the
    session's equity first holds (index: naive New York dates)."""
    equity = account.equity_curve()
    if equity.empty:
        return pd.Series(dtype=float, name="pnl")
    days = session_dates(pd.DatetimeIndex(equity.index))
    last = equity.groupby(days).last()
    moved = pd.Series(bar_flows(account.ts, flows), index=days).groupby(level=0).sum()
    path = np.concatenate([[initial_capital], last.to_numpy(dtype=float)])
    pnl = np.diff(path) - moved.reindex(last.index, fill_value=0.0).to_numpy()
    return pd.Series(pnl, index=pd.DatetimeIndex(last.index), name="pnl")
