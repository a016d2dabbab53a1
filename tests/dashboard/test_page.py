"""Each tab of the dashboard, run by Streamlit's app-testing API on a database from a simulated
replay (``tradewind demo``), shows the figures the report functions compute for that run.

The expected values are computed here from the report functions and the store (``tradewind
report``'s and ``tradewind positions``' sources), formatted by this test, not by the
dashboard's own helpers; every comparison counts what it compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dashkit import (
    TABS,
    StoredRun,
    app_test,
    copy_run,
    database_digest,
    frames,
    metrics,
    texts,
)
from typer.testing import CliRunner

from tradewind.cli.app import app as cli
from tradewind.domain.plans import RegimeReading
from tradewind.domain.types import Regime
from tradewind.regime.protective import protective_policy
from tradewind.reports.rollup import rollup_rows
from tradewind.reports.weekly import method_name
from tradewind.review.benchmark import with_benchmark
from tradewind.review.criteria import monthly_costs_below
from tradewind.review.evidence import Evidence
from tradewind.review.readiness import paper_readiness
from tradewind.service.checkpoint import load_checkpoint
from tradewind.service.records import RunRecords, load_records
from tradewind.service.run_reports import summary_payload, weeks
from tradewind.store import Store

NY = "America/New_York"


@pytest.fixture(scope="module")
def records(demo: StoredRun) -> RunRecords:
    with Store(demo.cfg.database_url, mode=None) as store:
        return with_benchmark(load_records(store, demo.run_id))


@pytest.fixture(scope="module")
def summary(records: RunRecords) -> dict[str, Any]:
    """``tradewind report summary --json``'s payload."""
    return summary_payload(records)


def test_portfolio_shows_positions_targets_drift_and_the_next_trigger(
    demo: StoredRun, records: RunRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(demo.config, monkeypatch, tab="Portfolio")
    assert not at.exception
    m = metrics(at)
    rec = records.recorder
    assert m["Equity"][0] == f"${rec.equity[-1]:,.0f}"
    # drift as the trigger defines it, computed here: half the absolute deviations, cash too
    target = np.asarray(next(d for d in reversed(rec.decisions) if d.targets).targets)
    held = np.asarray(rec.weights[-1])
    drift = 0.5 * (np.abs(held - target).sum() + abs(held.sum() - target.sum()))
    assert m["Portfolio drift"][0] == f"{drift:.1%}"
    assert m["Portfolio drift"][1] == "threshold 10.0%"
    # the demo rebalances monthly; its year ends on 2022-12-28: next is the first of January
    assert m["Next calendar rebalance"] == ("2023-01-03", "monthly")
    # the positions table holds what `tradewind positions --json` reports
    out = CliRunner().invoke(cli, ["positions", "--json", "--config", str(demo.config)])
    assert out.exit_code == 0, out.output
    cli_rows = {p["symbol"]: p for p in json.loads(out.stdout)["positions"]}
    table = frames(at)[0]
    shown = table[table["quantity"] > 0].set_index("symbol")
    assert sorted(shown.index) == sorted(cli_rows) and len(cli_rows) >= 3
    for symbol, row in shown.iterrows():
        assert row["quantity"] == cli_rows[symbol]["quantity"]
        assert row["price"] == pytest.approx(cli_rows[symbol]["price"], rel=1e-12)
        assert row["weight"] == pytest.approx(cli_rows[symbol]["weight"], rel=1e-9)
    assert "No trades yet" not in texts(at)


def test_the_caps_in_force_are_the_engines_with_the_protective_cut(
    demo: StoredRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo ends in a BEAR market, where the protective policy (on by default) keeps only
    part of the BEAR policy's 80%: the Portfolio's cap and the Regime's adjustments say so, at
    the confidence of the engine's last reading (the checkpoint)."""
    with Store(demo.cfg.database_url, mode=None) as store:
        saved = load_checkpoint(store, demo.run_id)
    assert saved is not None
    reading = RegimeReading.from_json(saved.engine["regime"])
    assert reading.regime is Regime.BEAR  # the demo's year ends in the 2022 bear market
    engine = protective_policy(reading.regime, reading.confidence, demo.cfg)
    assert engine.invested_fraction < 0.8 - 0.05  # a cut worth showing

    portfolio = app_test(demo.config, monkeypatch, tab="Portfolio")
    assert not portfolio.exception
    assert metrics(portfolio)["Invested"][1] == f"cap {engine.invested_fraction:.1%}"
    caps = next(f for f in frames(portfolio) if "cap" in f.columns).set_index("limit")
    assert caps.loc["Invested (exposure cap less cash buffer)", "cap"] == pytest.approx(
        engine.invested_fraction, rel=1e-12
    )
    cut = f"protective cut at {reading.confidence:.0%} confidence"
    assert cut in texts(portfolio)
    regime = app_test(demo.config, monkeypatch, tab="Regime")
    assert not regime.exception
    assert (
        f"{cut}: {engine.exposure_scale:.0%} of the policy's 80% kept: at most "
        f"{engine.invested_fraction:.0%} invested instead of 80% (regime.protection)"
    ) in texts(regime)


def test_performance_shows_the_summary_the_roll_up_and_the_readiness_verdict(
    demo: StoredRun,
    records: RunRecords,
    summary: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = app_test(demo.config, monkeypatch, tab="Performance")
    assert not at.exception
    m = metrics(at)
    p = summary["performance"]
    expected = {
        "Cumulative return": f"{p['total_return']:+.1%}",
        "Sharpe ratio": f"{p['sharpe']:.2f}",
        "Sharpe, rolling 2 weeks": f"{summary['rolling_sharpe']['latest']:.2f}",
        "Max drawdown": f"{p['max_drawdown']:.1%}",
        "Win rate": f"{p['win_rate']:.0%}",
        "Profit factor": f"{p['profit_factor']:.2f}",
    }
    assert {k: m[k][0] for k in expected} == expected
    bench = summary["benchmark"]
    assert m["Cumulative return"][1] == f"SP500 {bench['benchmark_total_return']:+.1%}"
    # the weekly roll-up, row for row as `tradewind report weekly` prints it
    rollup = next(f for f in frames(at) if "Week" in f.columns)
    rows = [tuple(r) for r in rollup.itertuples(index=False)]
    assert rows == rollup_rows(weeks(records)) and len(rows) >= 50
    verdict = paper_readiness(records, demo.cfg)
    page = texts(at)
    assert f"**{verdict.verdict}** for the paper phase" in page
    criteria = next(f for f in frames(at) if "criterion" in f.columns)
    assert list(criteria["criterion"]) == [c.name for c in verdict.criteria]
    assert list(criteria["measured"]) == [c.measured for c in verdict.criteria]


def test_regime_shows_the_current_regime_its_history_and_the_policy(
    demo: StoredRun, records: RunRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(demo.config, monkeypatch, tab="Regime")
    assert not at.exception
    m = metrics(at)
    with Store(demo.cfg.database_url, mode=None) as store:
        now = store.current_regime(demo.run_id)
    assert now is not None
    assert m["Current regime"][0] == now.regime
    since = pd.Timestamp(now.since).tz_convert(NY)
    assert m["Since"] == (f"{since:%Y-%m-%d}", f"{since:%H:%M} ET")
    assert m["Confidence"][0] == f"{now.confidence:.0%}"
    method = next(d.method for d in reversed(records.recorder.decisions) if d.targets)
    assert m["Method selected"][0] == method_name(method)
    changes = [e for e in records.events if e.kind == "regime_change"]
    table = next(f for f in frames(at) if "change" in f.columns)
    assert list(table["change"]) == [e.message for e in reversed(changes)] and len(changes) >= 1
    # the policy in force: the demo's BEAR policy caps a position at 20% (runbook: BEAR)
    page = texts(at)
    if now.regime == "BEAR":
        assert "position cap 20% instead of 30%" in page
    features = next(f for f in frames(at) if "feature" in f.columns)
    assert {"vix", "trend", "adx"} <= set(features["feature"])
    assert len(at.get("plotly_chart")) == 2  # the last 30 days, the whole run shaded


def test_costs_show_periods_per_trade_turnover_and_the_split(
    demo: StoredRun,
    records: RunRecords,
    summary: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = app_test(demo.config, monkeypatch, tab="Transaction Costs")
    assert not at.exception
    m = metrics(at)
    fills = records.recorder.fills
    paid = sum(f.commission + f.slippage + f.impact for f in fills)
    assert m["Costs paid"] == (f"${paid:,.2f}", f"{len(fills)} fills")
    realized = summary["costs"]["realized"]
    assert m["Cost per trade"][0] == f"${realized['total'] / len(fills):,.2f}"
    assert m["Turnover"][0] == f"{summary['performance']['turnover']:.2f}x"
    tables = frames(at)
    split = tables[0].set_index("kind")
    for kind in ("commission", "slippage", "impact", "total"):
        assert split.loc[kind, "realized"] == pytest.approx(realized[kind], abs=1e-9)
        assert split.loc[kind, "estimated"] == pytest.approx(
            summary["costs"]["estimated"][kind], abs=1e-9
        )
    # months as the readiness gate measures them: the worst month is the criterion's value
    months = next(t for t in tables if "month" in t.columns)
    criterion = monthly_costs_below(
        Evidence.of(records), demo.cfg.readiness.paper.max_monthly_costs
    )
    assert months["share"].max() == pytest.approx(criterion.value, rel=1e-12)
    assert len(months) == len(criterion.details) >= 12
    for (_, row), detail in zip(months.iterrows(), criterion.details, strict=True):
        assert detail.startswith(f"{row['month']}: {row['share']:.3%}")
    # weeks and days add up to what the ledger paid
    weekly = next(t for t in tables if "week" in t.columns)
    assert weekly["costs"].sum() == pytest.approx(paid, rel=1e-9)
    assert months["costs"].sum() == pytest.approx(paid, rel=1e-9)


def test_system_health_shows_uptime_problems_halts_breakers_and_freshness(
    demo: StoredRun, records: RunRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(demo.config, monkeypatch, tab="System Health")
    assert not at.exception
    m = metrics(at)
    assert m["Trading service"][0] == "replay"
    assert records.uptime is not None
    assert m["Uptime"] == (f"{records.uptime.fraction:.1%}", "whole run")
    end = records.end
    assert end is not None
    with Store(demo.cfg.database_url, mode=None) as store:
        problems = store.events(
            demo.run_id, since=end - pd.Timedelta(hours=24), min_severity="warning"
        )
        trade = store.last_trade(demo.run_id)
    assert m["Warnings/errors (24 h)"][0] == str(len(problems))
    assert trade is not None
    assert m["Last trade"][0] == f"{pd.Timestamp(trade.ts).tz_convert(NY):%Y-%m-%d}"
    page = texts(at)
    assert "Not halted." in page
    breakers = next(f for f in frames(at) if "breaker" in f.columns)
    assert list(breakers["breaker"]) == ["daily loss", "drawdown", "consecutive losses"]
    freshness = next(f for f in frames(at) if "source" in f.columns)
    assert list(freshness["status"]) == ["historical: not live"]
    assert "no ML models" in page


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_reads_the_database_and_changes_nothing(
    demo: StoredRun, tab: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = database_digest(demo.database)
    at = app_test(demo.config, monkeypatch, tab=tab)
    assert not at.exception
    assert "Historical data, not live" in texts(at)
    assert database_digest(demo.database) == before


def test_a_mode_that_never_ran_says_how_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path}/tradewind-{{mode}}.db\n")
    at = app_test(config, monkeypatch)
    assert not at.exception
    assert "Nothing has run in mode **simulated** yet" in texts(at)
    assert "tradewind trade" in texts(at)
    assert not (tmp_path / "tradewind-simulated.db").exists()  # not created by looking


def test_a_run_without_a_cycle_shows_an_empty_state_on_every_tab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path}/tw.db\n")
    with Store(f"sqlite:///{tmp_path}/tw.db", mode="simulated") as store:
        store.start_run(
            name="simulated", started_at=datetime.now(UTC), symbols=["AAPL"], initial_cash=10_000.0
        )
    shown = 0
    for tab in TABS[:-1]:
        at = app_test(config, monkeypatch, tab=tab)
        assert not at.exception
        assert "has not recorded a cycle" in texts(at)
        shown += 1
    at = app_test(config, monkeypatch, tab="System Health")  # the service side still shows
    assert not at.exception and metrics(at)["Last trade"][0] == "none yet"
    assert shown == 4


def test_a_bad_configuration_is_named_not_shown_as_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("dashboard:\n  port: 80\n")
    at = app_test(config, monkeypatch)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "Config error" in errors[0] and "dashboard.port" in errors[0]


def test_the_run_selector_shows_the_run_the_address_names(
    demo: StoredRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = copy_run(demo, tmp_path)
    from datetime import UTC, datetime

    with Store(copy.cfg.database_url, mode=None) as store:
        second = store.start_run(
            name="later", started_at=datetime.now(UTC), symbols=["AAPL"], initial_cash=10_000.0
        )
    latest = app_test(copy.config, monkeypatch)
    assert "has not recorded a cycle" in texts(latest)  # the latest run by default
    assert latest.sidebar.selectbox[1].value == second
    first = app_test(copy.config, monkeypatch, run=demo.run_id)
    assert first.sidebar.selectbox[1].value == demo.run_id
    assert "Equity" in metrics(first)


def test_a_backtest_database_shows_every_tab_as_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tradewind backtest`` records its runs in the backtest database; the page shows them
    (no service, no checkpoint: uptime n/a, no features, halts from the run's events)."""
    from dashkit import demo_config

    config = demo_config(tmp_path, database={"url": f"sqlite:///{tmp_path}/tw-{{mode}}.db"})
    args = ["backtest", "--config", str(config), "--start", "2022-01-03", "--end", "2022-12-30",
            "--out", str(tmp_path / "bt"), "--json"]  # fmt: skip
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    assert (tmp_path / "tw-backtest.db").exists()
    drawn = 0
    for tab in TABS:
        at = app_test(config, monkeypatch, tab=tab, mode="backtest")
        assert not at.exception, (tab, at.exception)
        assert "Historical data, not live" in texts(at) and "a backtest of history" in texts(at)
        drawn += 1
    m = metrics(at)
    assert m["Trading service"][0] == "backtest"
    assert m["Uptime"] == ("n/a", "n/a for a backtest")
    assert drawn == 5


def test_the_page_reads_the_database_again_when_it_changed(
    demo: StoredRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page keeps a run between reruns only while the database has nothing new for it."""
    run = copy_run(demo, tmp_path)
    first = app_test(run.config, monkeypatch, tab="System Health")
    before = int(metrics(first)["Warnings/errors (24 h)"][0])
    same = app_test(run.config, monkeypatch, tab="System Health")
    assert int(metrics(same)["Warnings/errors (24 h)"][0]) == before
    with Store(run.cfg.database_url, mode=None) as store:
        last = store.last_cycle(run.run_id)
        assert last is not None
        store.record_event(run.run_id, "data_error", "stale prices (test)", "warning", ts=last.ts)
    after = app_test(run.config, monkeypatch, tab="System Health")
    assert int(metrics(after)["Warnings/errors (24 h)"][0]) == before + 1


def test_a_file_that_is_not_a_tradewind_database_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "tw.db").close()  # an empty SQLite file: no tradewind tables
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path}/tw.db\n")
    at = app_test(config, monkeypatch)
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("**The database cannot be read**") and "tw.db" in error
