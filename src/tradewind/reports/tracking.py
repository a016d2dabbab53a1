"""The runbook's daily tracking spreadsheet as a CSV.

Columns: Date, P&L, Cumulative Return, Sharpe Ratio, Max Drawdown, Regime, Rebalancing Events,
Transaction Costs, Win Rate, System Uptime. Ratios are fractions; Sharpe, max drawdown and win
rate are since inception up to that day (Sharpe is left empty for the first
``MIN_SHARPE_SESSIONS`` sessions, the win rate until a round trip has closed); P&L and costs
are the day's, in USD (the P&L less the day's deposits and withdrawals; the ratios are
time-weighted around them, :mod:`tradewind.reports.flows`). System Uptime is the trading
service's uptime (the day's on the wall clock, else the run's), empty for a backtest.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tradewind.domain.ledger import ClosedTrade
from tradewind.domain.types import EXCHANGE_TZ
from tradewind.reports.flows import daily_pnl
from tradewind.reports.metrics import MIN_SHARPE_SESSIONS, TRADING_DAYS
from tradewind.reports.rolling import NEW_YORK
from tradewind.reports.run import RunSummary, is_rebalance

COLUMNS = (
    "Date",
    "P&L",
    "Cumulative Return",
    "Sharpe Ratio",
    "Max Drawdown",
    "Regime",
    "Rebalancing Events",
    "Transaction Costs",
    "Win Rate",
    "System Uptime",
)


def tracking_frame(
    run: RunSummary, uptime_of: Callable[[pd.Timestamp, pd.Timestamp], float | None] | None = None
) -> pd.DataFrame:
    """One row per session with the runbook's tracking columns.

    ``uptime_of`` gives each day's own uptime (a wall-clock run); without it every row shows
    the run's uptime (``run.uptime``), empty for a backtest.
    """
    rec = run.recorder
    equity = rec.equity_curve()
    days = pd.DatetimeIndex(equity.index).tz_convert(EXCHANGE_TZ).normalize()
    days = days.tz_localize(None)
    daily = equity.groupby(days).last()
    daily.index = pd.DatetimeIndex(daily.index)
    path = np.concatenate([[run.initial_capital], daily.to_numpy()])
    r = path[1:] / path[:-1] - 1.0
    n = np.arange(1, len(r) + 1)
    csum, csum2 = np.cumsum(r), np.cumsum(r * r)
    mean = csum / n
    var = np.where(n > 1, (csum2 - n * mean * mean) / np.maximum(n - 1, 1), 0.0)
    sd = np.sqrt(np.maximum(var, 0.0))
    sharpe = np.where(sd > 0, mean / np.where(sd > 0, sd, 1.0) * np.sqrt(TRADING_DAYS), 0.0)
    sharpe = np.where(n >= MIN_SHARPE_SESSIONS, sharpe, np.nan)  # empty until it means something
    dd = path[1:] / np.maximum.accumulate(path)[1:] - 1.0
    regime = pd.Series(rec.regime, index=days).groupby(level=0).last()
    rebal = _per_day([d.ts for d in rec.decisions if is_rebalance(d)], days)
    # the fills' costs and the broker's regulatory fees taken apart from them
    fees = run.broker_fees
    costs = _per_day(
        [f.ts for f in rec.fills] + [ts for ts, _ in fees],
        days,
        [f.cost for f in rec.fills] + [amount for _, amount in fees],
    )
    trades = sorted(run.book.closed_trades, key=lambda t: t.ts)
    win = _win_rate_to_date(trades, pd.DatetimeIndex(daily.index))
    up: float | list[float] = run.uptime if run.uptime is not None else float("nan")
    if uptime_of is not None:  # each New York day's own uptime
        starts = pd.DatetimeIndex(daily.index).tz_localize(NEW_YORK).tz_convert("UTC")
        values = [uptime_of(a, a + pd.Timedelta(days=1)) for a in starts]
        up = [float("nan") if v is None else v for v in values]
    return pd.DataFrame(
        {
            "Date": pd.DatetimeIndex(daily.index).strftime("%Y-%m-%d"),
            "P&L": np.diff(path) if run.account is None else _dollar_pnl(run),
            "Cumulative Return": path[1:] / run.initial_capital - 1.0,
            "Sharpe Ratio": sharpe,
            "Max Drawdown": np.minimum.accumulate(dd),
            "Regime": regime.reindex(daily.index).to_numpy(),
            "Rebalancing Events": rebal.reindex(daily.index, fill_value=0).to_numpy(),
            "Transaction Costs": costs.reindex(daily.index, fill_value=0.0).to_numpy(),
            "Win Rate": win,
            "System Uptime": up,
        },
        columns=list(COLUMNS),
    )


def _dollar_pnl(run: RunSummary) -> np.ndarray:
    """The day's P&L in the account's dollars, less the day's deposits and withdrawals (for a
    run whose recorder holds the time-weighted path: :mod:`tradewind.reports.flows`)."""
    return daily_pnl(run.dollars, run.flows, run.initial_capital).to_numpy()


def _per_day(
    stamps: Sequence[object], days: pd.DatetimeIndex, values: Sequence[float] | None = None
) -> pd.Series:
    if not stamps:
        return pd.Series(dtype=float)
    idx = pd.DatetimeIndex(list(stamps))
    idx = (idx.tz_convert(EXCHANGE_TZ) if idx.tz else idx).normalize().tz_localize(None)
    data = values if values is not None else [1] * len(idx)
    return pd.Series(data, index=idx).groupby(level=0).sum()


def _win_rate_to_date(trades: list[ClosedTrade], days: pd.DatetimeIndex) -> np.ndarray:
    """Share of round trips closed by each day that gained; empty (NaN) before the first."""
    out = np.full(len(days), np.nan)
    if not trades:
        return out
    stamps = pd.DatetimeIndex([t.ts for t in trades])
    stamps = stamps.tz_convert(EXCHANGE_TZ).normalize().tz_localize(None)
    wins = np.cumsum([t.pnl > 0 for t in trades])
    count = np.searchsorted(stamps, days, side="right")
    has = count > 0
    out[has] = wins[count[has] - 1] / count[has]
    return out


def write_tracking_csv(
    run: RunSummary,
    path: str | Path,
    uptime_of: Callable[[pd.Timestamp, pd.Timestamp], float | None] | None = None,
) -> Path:
    """Write the tracking CSV to ``path`` and return it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = csv_text(tracking_frame(run, uptime_of), FLOAT_FORMAT)
    out.write_text(text, encoding="utf-8", newline="")
    return out


FLOAT_FORMAT = "%.6f"
"""How the CSV writes a number (fractions and USD alike)."""


def csv_text(frame: pd.DataFrame, float_format: str) -> str:
    """What ``frame.to_csv(path, index=False, float_format=float_format)`` writes: the csv
    module's minimal quoting, numbers as ``float_format % value``, missing values empty.

    pandas formats a float column with a call per value (tens of milliseconds for an 18-year
    run); here each column is formatted in one pass and the rows written by the csv module,
    as pandas writes them (``tests/reports/test_report_bytes.py`` compares the two).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=os.linesep)
    writer.writerow(frame.columns)
    columns = [_column_text(frame[c], float_format) for c in frame.columns]
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()


def _column_text(column: pd.Series, float_format: str) -> list[object]:
    values = column.to_numpy()
    if values.dtype.kind == "f":
        return ["" if v != v else float_format % v for v in values.tolist()]
    cells = column.to_numpy(dtype=object, copy=True)
    cells[pd.isna(cells)] = ""
    return cells.tolist()
