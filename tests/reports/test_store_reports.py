"""Reports from the store agree with an independent computation from the fills and the marks.

The store comes from a simulated replay through the trading service. Every figure the reports
show (equity, daily P&L and returns, drawdown, Sharpe and its rolling 2-week value, weekly
costs, rebalances, win rate, the benchmark's return) is recomputed here from nothing but the
recorded fills, the recorded decisions and the data source's closes, with plain arithmetic.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from backtestkit import stops_backtest
from runkit import StoredRun

from tradewind.data import get_market_data
from tradewind.domain.orders import Fill, Side
from tradewind.domain.types import TradingMode
from tradewind.reports.tracking import tracking_frame
from tradewind.reports.weekly import render_week, week_figures
from tradewind.review.archive import archive_backtest
from tradewind.review.benchmark import with_benchmark
from tradewind.service.records import RunRecords, load_records
from tradewind.service.run_reports import daily_frame, summary_payload, weeks
from tradewind.store import Store

ET = "America/New_York"


@pytest.fixture(scope="module")
def records(replay: StoredRun) -> RunRecords:
    with Store(replay.cfg.database_url, mode=None) as store:
        return with_benchmark(load_records(store, replay.run_id))


@pytest.fixture(scope="module")
def closes(replay: StoredRun) -> pd.DataFrame:
    """The data source's closes of the run's symbols (the marks), read directly."""
    provider = get_market_data(replay.cfg)
    bars = provider.bars(list(replay.cfg.trading.symbols), None, None)
    return pd.DataFrame({s: bars[s]["close"] for s in bars.symbols}).sort_index()


def _equity_path(records: RunRecords, closes: pd.DataFrame) -> pd.Series:
    """Cash and shares from the fills alone, marked at the source's last close <= each cycle."""
    fills = sorted(records.recorder.fills, key=lambda f: f.ts)
    cash, held, k, out = records.run.initial_cash, defaultdict(float), 0, []
    for ts in records.recorder.ts:
        while k < len(fills) and fills[k].ts <= ts:
            f = fills[k]
            sign = 1 if f.side is Side.BUY else -1
            cash -= sign * f.quantity * f.price + f.commission + f.slippage + f.impact
            held[f.symbol] += sign * f.quantity
            k += 1
        marks = closes[closes.index <= ts].ffill().iloc[-1]
        out.append(cash + sum(q * float(marks[s]) for s, q in held.items()))
    return pd.Series(out, index=pd.DatetimeIndex(records.recorder.ts))


def _daily(path: pd.Series) -> pd.Series:
    days = path.index.tz_convert(ET).date
    return path.groupby(days).last()


def _sharpe(r: np.ndarray) -> float:
    sd = r.std(ddof=1)
    return float(r.mean() / sd * math.sqrt(252)) if sd > 0 else 0.0


def test_the_stored_equity_is_cash_and_shares_from_the_fills_at_the_closes(
    records: RunRecords, closes: pd.DataFrame
) -> None:
    independent = _equity_path(records, closes)
    stored = np.asarray(records.recorder.equity)
    assert len(stored) == len(independent) > 50 and len(records.recorder.fills) > 20
    np.testing.assert_allclose(stored, independent.to_numpy(), rtol=1e-10)


def test_daily_report_figures_match_the_independent_computation(
    records: RunRecords, closes: pd.DataFrame
) -> None:
    daily = _daily(_equity_path(records, closes))
    path = np.concatenate([[records.run.initial_cash], daily.to_numpy()])
    returns = path[1:] / path[:-1] - 1.0
    frame = daily_frame(records)
    assert list(frame["Date"]) == [d.isoformat() for d in daily.index]
    np.testing.assert_allclose(frame["P&L"], np.diff(path), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(frame["Cumulative Return"], path[1:] / path[0] - 1, atol=1e-12)
    dd = np.minimum.accumulate(path[1:] / np.maximum.accumulate(path)[1:] - 1.0)
    np.testing.assert_allclose(frame["Max Drawdown"], dd, atol=1e-12)
    rolling = [np.nan] * 9 + [_sharpe(returns[i - 9 : i + 1]) for i in range(9, len(returns))]
    np.testing.assert_allclose(frame["Sharpe 2w"], rolling, rtol=1e-9, equal_nan=True)
    inception = [np.nan if i < 19 else _sharpe(returns[: i + 1]) for i in range(len(returns))]
    np.testing.assert_allclose(frame["Sharpe Ratio"], inception, rtol=1e-9, equal_nan=True)
    fills_per_day = pd.Series([f.ts for f in records.recorder.fills]).dt.tz_convert(ET).dt.date
    assert list(frame["Trades"]) == [int((fills_per_day == d).sum()) for d in daily.index]
    summary = summary_payload(records)
    assert summary["performance"]["total_return"] == pytest.approx(path[-1] / path[0] - 1, 1e-12)
    assert summary["rolling_sharpe"]["min"] == pytest.approx(np.nanmin(rolling), rel=1e-9)


def _round_trips(fills: list[Fill]) -> list[tuple[pd.Timestamp, float]]:
    """Every sell closed against the average cost (buy costs in the basis), net of its costs."""
    held: dict[str, float] = defaultdict(float)
    avg: dict[str, float] = defaultdict(float)
    out = []
    for f in sorted(fills, key=lambda f: f.ts):
        cost = f.commission + f.slippage + f.impact
        if f.side is Side.BUY:
            avg[f.symbol] = (avg[f.symbol] * held[f.symbol] + f.quantity * f.price + cost) / (
                held[f.symbol] + f.quantity
            )
            held[f.symbol] += f.quantity
        else:
            out.append((pd.Timestamp(f.ts), f.quantity * (f.price - avg[f.symbol]) - cost))
            held[f.symbol] -= f.quantity
    return out


def test_weekly_roll_up_matches_the_independent_computation(
    records: RunRecords, closes: pd.DataFrame
) -> None:
    figures = weeks(records)
    path = _equity_path(records, closes)
    trips = _round_trips(records.recorder.fills)
    bench = records.benchmark
    assert bench is not None and len(figures) >= 12
    first_bench = float(bench[bench.index <= records.recorder.ts[0]].iloc[-1])
    compared = 0
    for f in figures:
        lo = pd.Timestamp(f.start, tz=ET)
        hi = pd.Timestamp(f.end, tz=ET) + pd.Timedelta(days=1)
        in_week = (path.index >= lo) & (path.index < hi)
        end_equity = float(path[in_week].iloc[-1])
        assert f.cumulative_return == pytest.approx(end_equity / 100_000.0 - 1, abs=1e-12)
        week_fills = [x for x in records.recorder.fills if lo <= x.ts < hi]
        assert f.trades == len(week_fills)
        assert f.costs_usd == pytest.approx(sum(x.cost for x in week_fills), abs=1e-9)
        rebalance_times = {
            d.ts
            for d in records.recorder.decisions
            if lo <= d.ts < hi and any(o.reason.startswith("rebalance") for o in d.orders)
        }
        assert f.rebalances == len(rebalance_times)
        closed = [pnl for ts, pnl in trips if ts < hi]
        if closed:
            assert f.win_rate == pytest.approx(np.mean([p > 0 for p in closed]), abs=1e-12)
        else:
            assert f.win_rate is None
        last_ts = path[in_week].index[-1]
        mark = float(bench[bench.index <= last_ts].iloc[-1])
        assert f.benchmark_return == pytest.approx(mark / first_bench - 1, abs=1e-12)
        compared += 1
    assert compared == len(figures)
    assert sum(f.rebalances for f in figures) > 5 and any(f.win_rate for f in figures)


def test_a_backtest_recorded_in_the_database_reports_what_it_ran(tmp_path: Path) -> None:
    run = stops_backtest()
    assert any(
        o.reason.startswith("stop") for d in run.summary.recorder.decisions for o in d.orders
    )
    url = f"sqlite:///{tmp_path / 'bt.db'}"
    with Store(url, mode=TradingMode.BACKTEST.value) as store:
        run_id = archive_backtest(store, run, "bt")
        again = archive_backtest(store, run, "bt")  # the same backtest twice: two runs
        records = load_records(store, run_id)
        assert again == run_id + 1 and len(load_records(store, again).orders) == len(records.orders)
    summary = records.with_benchmark(run.summary.benchmark, "bundled").summary()
    assert records.clock == "backtest" and records.uptime is None
    assert summary.performance == run.summary.performance  # every metric, exactly
    assert summary.relative == run.summary.relative
    pd.testing.assert_frame_equal(tracking_frame(summary), tracking_frame(run.summary))
    assert week_figures(summary) == week_figures(run.summary)
    assert all(o.status.value == "filled" for o in records.orders)


def test_reports_of_a_run_with_no_closed_round_trip_say_n_a(records: RunRecords) -> None:
    first = weeks(records)[0]
    assert first.win_rate is None and first.closed_trades == 0
    assert pd.isna(daily_frame(records)["Win Rate"].iloc[0])
    assert "Win Rate: n/a (no round trip closed yet)" in render_week(first)
