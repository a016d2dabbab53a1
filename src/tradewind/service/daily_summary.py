"""A session's results from the store: P&L against the S&P 500, regime, trades and costs.

The P&L runs from the equity after the previous session's last cycle (the run's starting cash
before its first session) to the equity after this session's last cycle, less the deposits and
withdrawals a person adopted that the session's equity holds for the first time
(:mod:`tradewind.orders.flows`). The S&P 500's move is the benchmark's last close of the session
over its last close before it; it is ``None`` when the benchmark has no price for the session (a
replay's data ends, a provider without it). Sessions are New York calendar dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from tradewind.domain.cash import CapitalFlow
from tradewind.notify.compose import DailySummary
from tradewind.service.checkpoint import load_baseline
from tradewind.store import Store

NEW_YORK = ZoneInfo("America/New_York")


def session_of(ts: datetime | pd.Timestamp) -> date:
    """The New York date of ``ts`` (tz-aware)."""
    return pd.Timestamp(ts).tz_convert(NEW_YORK).date()


def _bounds(session: date) -> tuple[datetime, datetime]:
    start = datetime.combine(session, time(0), NEW_YORK).astimezone(UTC)
    return start, start + timedelta(days=1)


def benchmark_return(benchmark: pd.Series | None, session: date) -> float | None:
    """The benchmark's move over ``session`` (None without a price for it or before it)."""
    if benchmark is None or benchmark.empty:
        return None
    series = benchmark.dropna()
    index = pd.DatetimeIndex(series.index)
    if index.tz is None:
        index = index.tz_localize(UTC)
    days = index.tz_convert(NEW_YORK).date
    today = series[days == session]
    before = series[days < session]
    if today.empty or before.empty or float(before.iloc[-1]) <= 0:
        return None
    return float(today.iloc[-1]) / float(before.iloc[-1]) - 1.0


def load_flows(store: Store, run_id: int) -> tuple[CapitalFlow, ...]:
    """The deposits and withdrawals adopted over run ``run_id`` (from its baseline)."""
    baseline = load_baseline(store, run_id)
    return baseline.flows if baseline is not None else ()


def daily_summary(
    store: Store,
    run_id: int,
    session: date,
    benchmark: pd.Series | None = None,
    *,
    halted: bool = False,
) -> DailySummary | None:
    """The summary of ``session`` for run ``run_id`` (None when no cycle ran that day)."""
    start, end = _bounds(session)
    curve = store.equity_curve(run_id)
    today = [p for p in curve if start <= p.ts < end]
    if not today:
        return None
    before = [p for p in curve if p.ts < start]
    opening = before[-1].equity if before else store.run(run_id).initial_cash
    last = today[-1]
    since = before[-1].ts if before else None
    moved = sum(
        f.amount
        for f in load_flows(store, run_id)
        if f.at <= last.ts and (since is None or f.at > since)
    )
    pnl = last.equity - opening - moved
    fills = [f for f in store.fills(run_id, since=start) if f.ts < end]
    regime = store.current_regime(run_id)
    return DailySummary(
        session=session,
        equity=last.equity,
        pnl=pnl,
        ret=pnl / opening if opening > 0 else None,
        benchmark_ret=benchmark_return(benchmark, session),
        regime=regime.regime if regime is not None else None,
        trades=len(fills),
        traded_value=sum(f.notional for f in fills),
        costs=sum(f.cost for f in fills),
        exposure=last.exposure,
        halted=halted,
        as_of=last.ts,
    )
