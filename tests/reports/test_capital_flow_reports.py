"""A service run's reports are time-weighted around deposits and withdrawals
(:mod:`tradewind.reports.flows`): a deposit mid-run onto a portfolio that scales with it leaves
every return figure of the run as without the deposit, while the dollars stay the account's."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from runkit import CAPITAL, RunSpec, records, rising, sessions

from tradewind.domain.cash import CapitalFlow
from tradewind.reports.flows import daily_pnl, performance_path, performance_recorder
from tradewind.reports.tracking import tracking_frame
from tradewind.reports.weekly import week_figures
from tradewind.review.readiness import paper_readiness
from tradewind.service.records import RunRecords

N, K = 30, 12
"""Sessions of the run, and the one whose equity first holds the flow."""


def _path() -> list[float]:
    """A run that rises and falls (a drawdown, a Sharpe that is not trivial)."""
    r = [0.004 if i % 3 else -0.006 for i in range(N)]
    return list(CAPITAL * np.cumprod(1 + np.asarray(r)))


def _with_flow(base: list[float], amount: float) -> tuple[list[float], CapitalFlow]:
    """``base`` with ``amount`` moved in (or out) during session ``K`` (its equity holds it,
    the flow earned nothing yet), then the portfolio scaled with it (invested in proportion):
    every later equity in the same proportion."""
    times = sessions(N)
    at_flow = base[K] + amount
    scale = at_flow / base[K]
    equity = [*base[:K], at_flow, *(e * scale for e in base[K + 1 :])]
    flow = CapitalFlow((times[K] - timedelta(hours=5)).to_pydatetime(), amount)
    return equity, flow


def _run(equity: list[float], flows: tuple[CapitalFlow, ...] = ()) -> RunRecords:
    return replace(records(RunSpec(equity=equity)), flows=flows)


@pytest.mark.parametrize("amount", [400_000.0, -60_000.0], ids=["deposit", "withdrawal"])
def test_the_run_measures_as_if_nothing_moved(amount: float) -> None:
    base = _path()
    equity, flow = _with_flow(base, amount)
    plain, moved = _run(base), _run(equity, (flow,))

    p, q = plain.summary().performance, moved.summary().performance

    assert q.total_return == pytest.approx(p.total_return, abs=1e-12)
    assert q.sharpe == pytest.approx(p.sharpe, abs=1e-9)
    assert q.max_drawdown == pytest.approx(p.max_drawdown, abs=1e-12)
    assert q.volatility == pytest.approx(p.volatility, abs=1e-12)
    assert q.final_equity == pytest.approx(equity[-1])  # the account's dollars
    # what the flow would be read as without it: +400% or -60%
    raw = _run(equity).summary().performance.total_return
    assert abs(raw - p.total_return) > 0.5


@pytest.mark.parametrize("amount", [400_000.0, -60_000.0], ids=["deposit", "withdrawal"])
def test_weekly_tracking_and_readiness_are_time_weighted(amount: float) -> None:
    base = _path()
    equity, flow = _with_flow(base, amount)
    plain, moved = _run(base), _run(equity, (flow,))

    weeks_p, weeks_q = week_figures(plain.summary()), week_figures(moved.summary())
    track_p, track_q = tracking_frame(plain.summary()), tracking_frame(moved.summary())
    ready_p = paper_readiness(plain, plain.config or pytest.fail("no config"))
    ready_q = paper_readiness(moved, moved.config or pytest.fail("no config"))

    for a, b in zip(weeks_p, weeks_q, strict=True):
        assert b.cumulative_return == pytest.approx(a.cumulative_return, abs=1e-12)
        assert b.weekly_return == pytest.approx(a.weekly_return, abs=1e-12)
        assert b.max_drawdown == pytest.approx(a.max_drawdown, abs=1e-12)
        assert b.cash == pytest.approx(a.cash, abs=1e-12)  # a share, not dollars
    for column in ("Cumulative Return", "Sharpe Ratio", "Max Drawdown"):
        np.testing.assert_allclose(track_q[column], track_p[column], atol=1e-9)
    # the day's P&L in dollars: the account's change less the flow
    pnl = np.diff(np.concatenate([[CAPITAL], equity]))
    pnl[K] -= amount
    np.testing.assert_allclose(track_q["P&L"], pnl, atol=1e-6)
    values = {c.key: c.value for c in ready_p.criteria}
    for c in ready_q.criteria:
        if c.key != "monthly_costs":
            assert c.value == pytest.approx(values[c.key], abs=1e-9), c.key
    assert ready_q.verdict == ready_p.verdict


def test_the_path_scales_by_each_flow_and_a_run_without_is_its_equity() -> None:
    times = sessions(4)
    ts = [t.to_pydatetime() for t in times]
    equity = [100.0, 110.0, 330.0, 300.0]  # +10%, then +200 deposited on a flat day, then -9.09%
    flows = (CapitalFlow(ts[2] - timedelta(hours=1), 220.0),)

    path = performance_path(ts, equity, flows)

    np.testing.assert_allclose(path, [100.0, 110.0, 110.0, 100.0])
    # a flow after the last cycle is not in the equity yet
    later = (CapitalFlow(ts[-1] + timedelta(minutes=1), 1e6),)
    np.testing.assert_array_equal(performance_path(ts, equity, later), equity)
    # no flow: the very recorder, so every report of it is bit-identical
    run = _run(rising(5))
    assert run.performance is run.recorder
    assert performance_recorder(run.recorder, ()) is run.recorder


def test_the_days_dollar_pnl_leaves_the_flow_out() -> None:
    equity, flow = _with_flow(_path(), 400_000.0)
    run = _run(equity, (flow,))

    pnl = daily_pnl(run.recorder, run.flows, CAPITAL)

    assert pnl.iloc[K] == pytest.approx(equity[K] - equity[K - 1] - 400_000.0)
    assert abs(pnl.iloc[K]) < 0.01 * equity[K]
    assert isinstance(pnl.index, pd.DatetimeIndex) and len(pnl) == N
