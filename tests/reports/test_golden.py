"""Golden files: a seeded backtest's weekly report, tracking CSV and decision log, pinned.

Any change to what the engine decides, or to how the reports are written, shows here as a diff
against ``tests/golden/``. When a change is intended, rewrite them with
``.venv/bin/pytest tests/reports/test_golden.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.config import validate_config
from tradewind.data import get_market_data
from tradewind.reports.tracking import tracking_frame
from tradewind.reports.weekly import render_week, week_figures

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@pytest.fixture(scope="module")
def run() -> BacktestRun:
    """Six bundled stocks, 2018-2019, the runbook's strategy with stops and breakers on."""
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "JPM", "JNJ", "XOM", "KO"]},
            "data": {"source": "bundled"},
            "notifications": {"discord": {"enabled": False}},
            "risk_management": {
                "stop_loss": {"enabled": True, "type": "trailing", "trailing_pct": 0.08},
                "circuit_breaker": {"backtest_resume_sessions": 5},
            },
        }
    )
    return run_backtest(
        cfg,
        get_market_data(cfg),
        pd.Timestamp("2018-01-02", tz="America/New_York"),
        pd.Timestamp("2019-12-31 23:00", tz="America/New_York"),
    )


def _rounded(value: Any) -> Any:
    """Floats to 10 significant digits: the pin is on decisions, not on the last ulp."""
    if isinstance(value, float):
        return float(f"{value:.10g}") if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def _check(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run pytest {__file__} --update-golden"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        got = path.with_suffix(path.suffix + ".new")
        got.write_text(text, encoding="utf-8")
        pytest.fail(f"{name} differs from its golden file; compare {got} with {path}")


def test_weekly_report(run: BacktestRun, update_golden: bool) -> None:
    weeks = week_figures(run.summary)
    busiest = max(weeks, key=lambda f: (f.trades, f.week))  # a week with trades and costs
    text = render_week(weeks[0]) + "\n---\n\n" + render_week(busiest)
    _check("weekly_report.md", text, update_golden)


def test_tracking_csv(run: BacktestRun, update_golden: bool) -> None:
    frame = tracking_frame(run.summary)
    _check("tracking.csv", frame.to_csv(index=False, float_format="%.6f"), update_golden)


def test_decision_log(run: BacktestRun, update_golden: bool) -> None:
    lines = [
        json.dumps(_rounded(asdict(d)), default=str, sort_keys=True)
        for d in run.summary.recorder.decisions
    ]
    events = [
        json.dumps(_rounded(asdict(e)), default=str, sort_keys=True)
        for e in run.summary.recorder.events
    ]
    assert lines and any('"stop:trailing"' in line for line in lines)  # the stops are in it
    _check("decisions.jsonl", "\n".join(lines) + "\n", update_golden)
    _check("events.jsonl", "\n".join(events) + "\n", update_golden)


def test_weekly_drift_is_the_triggers_and_its_action_names_the_configured_threshold(
    run: BacktestRun,
) -> None:
    """The weekly report's drift is the trigger's measure (cash leg included) against the
    optimizer's targets, and its action item compares it with the run's own threshold."""
    from dataclasses import replace

    from tradewind.rebalance.triggers import drift_from_arrays

    weeks = week_figures(run.summary)
    last = weeks[-1]
    weights = run.summary.recorder.weights[-1]
    targets = [d for d in run.summary.recorder.decisions if d.targets][-1].targets
    assert last.drift == drift_from_arrays(weights, targets).portfolio
    near = render_week(replace(last, drift=0.045), drift_threshold=0.05)
    assert "Portfolio drift 4.5% is near the 5% drift_threshold" in near
    past = render_week(replace(last, drift=0.12), drift_threshold=0.10)
    assert "Portfolio drift 12.0% is at or past the 10% drift_threshold" in past
    quiet = render_week(replace(last, drift=0.07), drift_threshold=0.10)
    assert "drift_threshold" not in quiet
