"""``tradewind checklist during|weekly``: the runbook's "During Market Hours" and "Weekly Review"
checklists on a replay's store, each item in the runbook's words and its figures the store's
(orders counted here with SQL) and the weekly report's (``tradewind report weekly --json``)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
from runkit import StoredRun
from typer.testing import CliRunner

from tradewind.cli.app import app

RUNBOOK = {
    "morning": ["Verify system is running", "Check overnight news/events",
                "Review current market regime", "Check if rebalancing is scheduled today"],
    "during": ["Monitor trade executions", "Watch for regime changes",
               "Check system health dashboard", "Review any error notifications"],
    "evening": ["Review day's P&L", "Update tracking spreadsheet", "Check rebalancing status",
                "Review transaction costs", "Plan for next trading day"],
    "weekly": ["Calculate weekly Sharpe ratio", "Review regime transitions",
               "Analyze transaction costs vs budget", "Compare performance vs SPY",
               "Document lessons learned",
               # Phase 22.2's "Weekly Review Checklist" adds these two
               "Check drawdown levels", "Analyze trade execution quality"],
}  # fmt: skip
"""The runbook's "Daily Operations Checklist", section by section."""


def _run(replay: StoredRun, tmp_path: Path, *args: str) -> Any:
    env = {"TRADEWIND__REPORTS__FOLDER": str(tmp_path / "runs")}
    result = CliRunner(env=env).invoke(app, [*args, "--config", str(replay.config)])
    assert result.exit_code == 0, result.output
    return result


def _items(replay: StoredRun, tmp_path: Path, which: str, *more: str) -> dict[str, Any]:
    out = _run(replay, tmp_path, "checklist", which, "--json", "--no-write", *more)
    payload = json.loads(out.stdout)
    assert payload["checklist"] == which
    return {i["item"]: i for i in payload["items"]}


def test_every_section_of_the_runbooks_checklist_is_a_command(
    replay: StoredRun, tmp_path: Path
) -> None:
    for which, lines in RUNBOOK.items():
        items = _items(replay, tmp_path, which)
        assert [line for line in lines if line not in items] == [], which
    bad = CliRunner().invoke(app, ["checklist", "lunch", "--config", str(replay.config)])
    assert bad.exit_code == 2
    said = " ".join(bad.stderr.split())  # wrapped at the terminal's width
    assert "checklist must be morning, during, evening or weekly, was 'lunch'" in said


def test_during_counts_the_days_orders_and_regime_changes_from_the_store(
    replay: StoredRun, tmp_path: Path
) -> None:
    db = sqlite3.connect(replay.folder / "tw.db")
    try:
        rows = db.execute("SELECT created_at, status FROM orders").fetchall()
        changes = [r[0] for r in db.execute("SELECT ts FROM events WHERE kind = 'regime_change'")]
    finally:
        db.close()
    days = pd.Series(
        [pd.Timestamp(c, tz="UTC").tz_convert("America/New_York").date() for c, _ in rows]
    )
    busiest = days.value_counts().index[0]
    placed = [s for (_, s), d in zip(rows, days, strict=True) if d == busiest]
    filled = placed.count("filled")

    items = _items(replay, tmp_path, "during", "--date", str(busiest))

    executions = items["Monitor trade executions"]["detail"]
    assert executions.startswith(f"{len(placed)} order(s) on {busiest}: {filled} filled")
    assert len(placed) >= 2
    quiet = _items(replay, tmp_path, "during", "--date", "2019-12-25")  # NYSE closed
    assert quiet["Monitor trade executions"]["detail"] == "no order placed on 2019-12-25"
    if changes:
        day = pd.Timestamp(changes[0], tz="UTC").tz_convert("America/New_York").date()
        watch = _items(replay, tmp_path, "during", "--date", str(day))["Watch for regime changes"]
        assert watch["status"] == "attention" and watch["detail"].startswith("1 change(s)")


def test_weekly_reads_the_weekly_reports_figures(replay: StoredRun, tmp_path: Path) -> None:
    every = json.loads(_run(replay, tmp_path, "report", "weekly", "--json").stdout)["weeks"]
    week = next(w for w in every if w["trades"] and w["rolling_sharpe"] is not None)
    day = week["end"]

    items = _items(replay, tmp_path, "weekly", "--date", day)

    sharpe = items["Calculate weekly Sharpe ratio"]["detail"]
    assert sharpe.startswith(f"week {week['week']}: rolling 2 weeks {week['rolling_sharpe']:.2f}")
    costs = items["Analyze transaction costs vs budget"]["detail"]
    assert costs.startswith(f"week {week['week']}: ${week['costs_usd']:,.2f}")
    vs = items["Compare performance vs SPY"]["detail"]
    assert f"cumulative {week['cumulative_return']:+.2%}" in vs
    assert f"SP500 {week['benchmark_return']:+.2%} over the same period" in vs
    transitions = items["Review regime transitions"]["detail"]
    assert f"{week['regime_changes']} regime change(s), now {week['regime']}" in transitions
    drawdown = items["Check drawdown levels"]["detail"]
    assert drawdown.startswith(
        f"week {week['week']}: max drawdown to date {week['max_drawdown']:.1%}"
    )
    execution = items["Analyze trade execution quality"]["detail"]
    assert f"{week['trades']} trade(s), average slippage {week['avg_slippage']:.2%}" in execution
    assert f"estimated ${week['estimated_costs_usd']:,.2f}" in execution
    lessons = items["Document lessons learned"]
    assert f'tradewind report lesson "..." --week {week["week"]}' in lessons["detail"]
    _run(replay, tmp_path, "report", "lesson", "drift fired twice", "--week", str(week["week"]))
    after = _items(replay, tmp_path, "weekly", "--date", day)["Document lessons learned"]
    assert after["status"] == "ok" and after["detail"].startswith(f"week {week['week']}: 1 lesson")
