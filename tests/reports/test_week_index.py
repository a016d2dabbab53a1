"""Every week's figures, computed from arrays built once, equal the figures read off the
record lists week by week (the definition), bit for bit, on a run with stops, halts and
regime changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from backtestkit import busy_backtest

from tradewind.domain.types import EXCHANGE_TZ
from tradewind.rebalance.triggers import drift_from_arrays
from tradewind.reports.costs import fill_costs
from tradewind.reports.metrics import drawdown
from tradewind.reports.run import RunSummary, is_rebalance
from tradewind.reports.weekly import WeekFigures, method_name, week_figures


@pytest.fixture(scope="module")
def summary() -> RunSummary:
    """2008-2009 with trailing stops and the breakers: many fills, stops and warnings."""
    return busy_backtest().summary


def _by_definition(run: RunSummary, f: WeekFigures) -> dict[str, object]:
    """One week's figures read off the record lists (every record scanned for every week)."""
    rec = run.recorder
    frame = rec.frame()
    local = pd.DatetimeIndex(frame.index).tz_convert(EXCHANGE_TZ)
    days = np.asarray([d.date().isoformat() for d in local])
    rows = np.flatnonzero((days >= f.start) & (days <= f.end))
    first, last = int(rows[0]), int(rows[-1])
    t0, t1 = frame.index[first], frame.index[last]
    paired = [
        (fl, c)
        for fl, c in zip(rec.fills, fill_costs(rec.decisions, rec.fills), strict=True)
        if t0 <= pd.Timestamp(fl.ts) <= t1
    ]
    costs = pd.Series([fl.cost for fl, _ in paired], dtype=float)
    notional = pd.Series([fl.notional for fl, _ in paired], dtype=float).sum()
    slip = pd.Series([c.realized.slippage for _, c in paired], dtype=float).sum()
    week = [d for d in rec.decisions if t0 <= pd.Timestamp(d.ts) <= t1]
    closed = [t for t in run.book.closed_trades if pd.Timestamp(t.ts) <= t1]
    targets = [d.targets for d in rec.decisions if pd.Timestamp(d.ts) <= t1 and d.targets]
    w = rec.weights_frame().to_numpy()[last]
    regimes = list(frame["regime"].iloc[: last + 1])
    changes = sum(1 for i in range(max(first, 1), last + 1) if regimes[i] != regimes[i - 1])
    used = list(dict.fromkeys(d.method for d in week if d.targets and d.method))
    path = np.concatenate([[run.initial_capital], frame["equity"].to_numpy()])
    return {
        "trades": len(paired),
        "costs_usd": float(costs.sum()),
        "avg_slippage": float(slip / notional) if notional else 0.0,
        "estimated_costs_usd": float(pd.Series([c.estimated.total for _, c in paired]).sum()),
        "rebalances": sum(1 for d in week if is_rebalance(d)),
        "warnings": sum(
            1 for e in rec.events if t0 <= pd.Timestamp(e.ts) <= t1 and e.severity != "info"
        ),
        "closed_trades": len(closed),
        "win_rate": float(np.mean([t.pnl > 0 for t in closed])) if closed else None,
        "drift": drift_from_arrays(w, np.asarray(targets[-1])).portfolio if targets else 0.0,
        "regime_changes": changes,
        "max_drawdown": float(drawdown(path[: last + 2]).min()),
        "method": ", ".join(method_name(m) for m in used) if used else f.method,
    }


def test_every_week_equals_its_definition(summary: RunSummary) -> None:
    # Arrange: a run where the weekly questions have non-trivial answers
    rec = summary.recorder
    assert len(rec.fills) > 100 and len(summary.book.closed_trades) > 20
    assert any(e.severity != "info" for e in rec.events)
    # Act
    weeks = week_figures(summary, finished=True)
    # Assert
    assert len(weeks) > 100
    for f in weeks:
        expected = _by_definition(summary, f)
        got = {k: getattr(f, k) for k in expected}
        assert got == expected, f"week {f.week}"
    assert sum(f.regime_changes for f in weeks) >= 2
    assert sum(f.warnings for f in weeks) >= 1
    assert any(f.method.startswith("none this week") for f in weeks)
