"""System uptime in the reports: the service's heartbeats for a trading run, none for a backtest."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.config import validate_config
from tradewind.data import get_market_data
from tradewind.reports.tracking import tracking_frame
from tradewind.reports.weekly import render_week, week_figures
from tradewind.service.runs import META_KEY, run_uptime
from tradewind.store import Store

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def _minute(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def test_a_silence_between_heartbeats_counts_as_down_at_the_recorded_period(
    tmp_path: Path,
) -> None:
    with Store(f"sqlite:///{tmp_path / 'up.db'}", mode="simulated") as store:
        run_id = store.start_run(name="t", started_at=T0, symbols=["AAA"], initial_cash=1e4)
        store.save_state(META_KEY.format(run_id=run_id), {"heartbeat_seconds": 60})
        for m in [*range(0, 10), *range(20, 30)]:  # the process was away from 0:09 to 0:20
            store.heartbeat(run_id, _minute(m))
        up = run_uptime(store, store.run(run_id))
        assert up is not None
        # 11 minutes without a beat, 1.5 minutes of them allowed; the run is known up to 0:29
        assert up.down == timedelta(minutes=9.5)
        assert up.fraction == pytest.approx(1 - 9.5 / 29)
        store.end_run(run_id, ended_at=_minute(40))  # ten silent minutes before it ended
        ended = run_uptime(store, store.run(run_id))
        assert ended is not None and ended.down == timedelta(minutes=9.5 + 9.5)
        later = store.start_run(name="u", started_at=_minute(50), symbols=["A"], initial_cash=1)
        assert run_uptime(store, store.run(later)) is None  # nothing to measure yet


@pytest.fixture(scope="module")
def backtest() -> BacktestRun:
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "KO"]},
            "data": {"source": "bundled"},
            "notifications": {"discord": {"enabled": False}},
        }
    )
    start = pd.Timestamp("2019-01-02", tz="America/New_York")
    end = pd.Timestamp("2019-03-29 23:00", tz="America/New_York")
    return run_backtest(cfg, get_market_data(cfg), start, end)


def test_a_backtest_reports_no_uptime_and_a_service_run_its_own(backtest: BacktestRun) -> None:
    summary = backtest.summary
    assert summary.uptime is None
    assert tracking_frame(summary)["System Uptime"].isna().all()
    assert "Uptime: n/a (backtest" in render_week(week_figures(summary)[0])

    service = dataclasses.replace(summary, uptime=0.973)
    column = tracking_frame(service)["System Uptime"]
    assert (column == 0.973).all()
    text = render_week(week_figures(service)[-1])
    assert "Uptime: 97.3% (whole run, from the service's heartbeats)" in text
    assert not math.isnan(column.iloc[0])
