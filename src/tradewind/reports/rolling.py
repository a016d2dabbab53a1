"""Daily equity, daily returns and the rolling Sharpe ratio of a run.

The runbook's first success criterion is a "Sharpe ratio > 1.0 over rolling 2-week periods":
the Sharpe of each window of ``window`` consecutive sessions (10 for two weeks), annualised
like every Sharpe in tradewind (``mean / std(ddof=1) * sqrt(252)``, 0 when the returns do not
move). A run that cycles every hour has many bars a day; its daily figures are taken at the
last cycle of each New York session date, so an hourly paper run and a daily replay are
measured alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from tradewind.engine.recorder import Recorder
from tradewind.reports.metrics import TRADING_DAYS

NEW_YORK = "America/New_York"
TWO_WEEKS = 10
"""Sessions in two weeks: the runbook's rolling Sharpe window."""


def session_dates(stamps: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The New York calendar date of each (tz-aware) time, as naive midnight timestamps."""
    local = stamps.tz_convert(NEW_YORK) if stamps.tz is not None else stamps
    return pd.DatetimeIndex(local.normalize().tz_localize(None))


def daily_equity(recorder: Recorder) -> pd.Series:
    """Equity at the last cycle of each session date (index: naive dates)."""
    equity = recorder.equity_curve()
    if equity.empty:
        return pd.Series(dtype=float, name="equity")
    days = session_dates(pd.DatetimeIndex(equity.index))
    out = equity.groupby(days).last()
    out.index = pd.DatetimeIndex(out.index)
    return out


def daily_returns(recorder: Recorder, initial_capital: float) -> pd.Series:
    """Simple return of each session; the first is measured from ``initial_capital``."""
    equity = daily_equity(recorder)
    if equity.empty:
        return pd.Series(dtype=float, name="return")
    path = np.concatenate([[initial_capital], equity.to_numpy(dtype=float)])
    return pd.Series(path[1:] / path[:-1] - 1.0, index=equity.index, name="return")


def rolling_sharpe(
    returns: pd.Series, window: int = TWO_WEEKS, rf_annual: float = 0.0
) -> pd.Series:
    """Annualised Sharpe of each window of ``window`` sessions ending at each date (NaN until
    the first full window)."""
    if window < 2:
        raise ValueError(f"a Sharpe window needs at least 2 sessions, was {window}")
    values = returns.to_numpy(dtype=float)
    out = np.full(len(values), np.nan)
    if len(values) >= window:
        out[window - 1 :] = _window_sharpes(values, window, rf_annual)
    return pd.Series(out, index=returns.index, name=f"sharpe_{window}d")


def _window_sharpes(values: np.ndarray, window: int, rf_annual: float) -> np.ndarray:
    """:func:`~tradewind.reports.metrics.sharpe_ratio` of every window of ``window`` values, to
    the last bit: each window is one contiguous row, so numpy sums it as it sums the window on
    its own (``tests/reports/test_rolling_sharpe.py`` compares both)."""
    excess = values - rf_annual / TRADING_DAYS
    rows = np.ascontiguousarray(sliding_window_view(excess, window))
    mean = rows.mean(axis=1)
    sd = rows.std(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = mean / sd * np.sqrt(TRADING_DAYS)
    out: np.ndarray = np.where(sd > 0, ratio, 0.0)
    return out
