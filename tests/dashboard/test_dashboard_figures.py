"""The dashboard's own figures, apart from the page: the next calendar rebalance, regime
stretches, the refresh plan, freshness per source, notification delivery, the launch options
and the ``dashboard:`` settings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dashkit import StoredRun, copy_run

from tradewind.config import DashboardSection, TradewindConfig, validate_config
from tradewind.config.dashboard import is_loopback
from tradewind.dashboard.freshness import delivery_frame, freshness_frame
from tradewind.dashboard.models import model_health
from tradewind.dashboard.portfolio import next_period_session
from tradewind.dashboard.refresh import refresh_plan
from tradewind.dashboard.regime import recent, stretches
from tradewind.dashboard.source import launch_options, mode_choices
from tradewind.dashboard.view import RunView, build_view
from tradewind.data.cache import CacheEntry, SeriesCache
from tradewind.review.benchmark import with_benchmark
from tradewind.service.records import load_records
from tradewind.service.runs import strategy_fingerprint
from tradewind.store import Store


@pytest.mark.parametrize(
    ("last", "frequency", "expected"),
    [
        (date(2022, 12, 28), "monthly", date(2023, 1, 3)),  # Jan 2 2023: New Year observed
        (date(2022, 12, 30), "quarterly", date(2023, 1, 3)),
        (date(2022, 11, 30), "quarterly", date(2023, 1, 3)),  # same quarter until January
        (date(2022, 9, 30), "quarterly", date(2022, 10, 3)),
        (date(2019, 11, 22), "weekly", date(2019, 11, 25)),  # Friday -> Monday
        (date(2019, 11, 27), "weekly", date(2019, 12, 2)),  # Thanksgiving week ends Friday
        (date(2019, 11, 27), "daily", date(2019, 11, 29)),  # Thanksgiving closed
    ],
)
def test_the_next_calendar_rebalance_is_the_first_session_of_the_next_period(
    last: date, frequency: str, expected: date
) -> None:
    assert next_period_session(last, frequency) == expected  # type: ignore[arg-type]


def test_regime_stretches_cover_every_cycle_and_the_last_30_days_are_clipped() -> None:
    ts = list(pd.date_range("2022-01-03 21:00", periods=90, freq="D", tz="UTC"))
    regimes = ["BULL"] * 40 + ["CHOPPY"] * 5 + ["BEAR"] * 45
    parts = stretches(ts, regimes)
    assert [(s.regime, s.cycles) for s in parts] == [("BULL", 40), ("CHOPPY", 5), ("BEAR", 45)]
    assert sum(s.cycles for s in parts) == len(ts)
    assert parts[1].start == ts[40] and parts[1].end == ts[44]
    last30 = recent(parts, ts[-1])
    assert [s.regime for s in last30] == ["BEAR"]
    assert last30[0].start == ts[-1] - pd.Timedelta(days=30) and last30[0].end == ts[-1]
    assert stretches([], []) == []


def test_the_page_refreshes_often_while_the_nyse_is_open_and_rarely_when_closed() -> None:
    section = DashboardSection(refresh_seconds=30, closed_refresh_seconds=600)
    ny = "America/New_York"
    at_open = refresh_plan(section, pd.Timestamp("2024-03-05 09:30", tz=ny))  # open inclusive
    assert (at_open.market_open, at_open.seconds) == (True, 30)
    assert at_open.next_change == pd.Timestamp("2024-03-05 16:00", tz=ny)
    before = refresh_plan(section, pd.Timestamp("2024-03-05 09:29", tz=ny))
    assert (before.market_open, before.seconds) == (False, 600)
    saturday = refresh_plan(section, pd.Timestamp("2024-03-09 12:00", tz=ny))
    assert not saturday.market_open
    assert saturday.next_change == pd.Timestamp("2024-03-11 09:30", tz=ny)
    assert "opens Mon 2024-03-11 09:30 ET" in saturday.describe()


def test_dashboard_settings_listen_on_loopback_and_refuse_an_exposed_resume() -> None:
    assert DashboardSection().address == "127.0.0.1"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")  # noqa: S104
    DashboardSection(address="0.0.0.0")  # noqa: S104 - allowed, read-only
    with pytest.raises(ValueError, match="anyone there could clear a halt"):
        DashboardSection(address="0.0.0.0", allow_resume=True)  # noqa: S104
    with pytest.raises(ValueError, match="IP address"):
        DashboardSection(address="example.com")
    with pytest.raises(ValueError, match="greater than or equal to 1024"):
        DashboardSection(port=80)


def test_dashboard_settings_never_change_what_a_run_is() -> None:
    plain = validate_config({})
    changed = validate_config({"dashboard": {"port": 9000, "allow_resume": True}})
    assert strategy_fingerprint(plain) == strategy_fingerprint(changed)


def test_launch_options_come_from_the_script_arguments_else_the_environment(
    tmp_path: Path,
) -> None:
    argv = ["src/dashboard/app.py", "--config", "x.yaml", "--mode", "paper", "--run", "3"]
    launch = launch_options(argv, {"TRADEWIND_CONFIG": "ignored.yaml"})
    assert (launch.config, launch.mode, launch.run) == (Path("x.yaml"), "paper", 3)
    other = launch_options(["pytest", "--config", "x.yaml"], {"TRADEWIND_CONFIG": "env.yaml"})
    assert (other.config, other.mode, other.run) == (Path("env.yaml"), None, None)


def test_the_modes_offered_are_those_with_a_database(tmp_path: Path) -> None:
    cfg = validate_config({"database": {"url": f"sqlite:///{tmp_path}/tw-{{mode}}.db"}})
    assert mode_choices(cfg) == ["simulated"]
    for mode in ("paper", "backtest"):
        Store(f"sqlite:///{tmp_path}/tw-{mode}.db", mode=mode).close()
    assert mode_choices(cfg) == ["simulated", "paper", "backtest"]
    one = validate_config({"database": {"url": f"sqlite:///{tmp_path}/one.db"}})
    assert mode_choices(one) == ["simulated"]


def _view(run: StoredRun, cfg: TradewindConfig | None = None) -> RunView:
    with Store(run.cfg.database_url, mode=None) as store:
        records = with_benchmark(load_records(store, run.run_id))
        return build_view(store, records, cfg or run.cfg)


def test_a_network_source_is_judged_by_the_freshness_rule_and_its_cache(
    demo: StoredRun, tmp_path: Path
) -> None:
    view = _view(demo)
    cache_dir = tmp_path / "cache"
    stored = view.strategy
    network = stored.model_copy(
        update={
            "data": stored.data.model_copy(
                update={
                    "source": "yfinance",
                    "cache": stored.data.cache.model_copy(update={"path": str(cache_dir)}),
                }
            )
        }
    )
    records = dataclasses.replace(view.records, config=network, clock="wall")
    live = dataclasses.replace(view, records=records)
    symbols = list(records.run.symbols)
    cache = SeriesCache(cache_dir)
    frame = pd.DataFrame(
        {c: [1.0] for c in ("open", "high", "low", "close", "volume", "dividend", "split")},
        index=pd.DatetimeIndex(["2022-12-28"]),
    )
    written = pd.Timestamp("2022-12-29 01:00", tz="UTC")
    for symbol in symbols[:3]:
        cache.write(
            CacheEntry(
                "yfinance",
                symbol,
                "1d",
                frame,
                "raw",
                pd.Timestamp("2020-01-02"),
                pd.Timestamp("2022-12-28"),
                written,
            )
        )
    cache.write(
        CacheEntry(
            "yfinance",
            "ZZZZ",
            "1d",
            frame,
            "raw",
            pd.Timestamp("2020-01-02"),
            pd.Timestamp("2022-12-28"),
            written,
        )
    )  # not one of the run's symbols
    table = freshness_frame(live)
    assert list(table["source"]) == ["yfinance (the run's prices)", "yfinance cache (1d)"]
    assert table.loc[0, "status"] == "STALE"  # the bar of 2022-12-28 is years old by now
    assert "is due by now" in table.loc[0, "detail"]
    assert table.loc[1, "status"] == f"3 of {len(symbols)} symbols cached"
    history = freshness_frame(view)
    assert list(history["status"]) == ["historical: not live"]


def test_notification_delivery_is_counted_per_channel(demo: StoredRun, tmp_path: Path) -> None:
    run = copy_run(demo, tmp_path)
    with Store(run.cfg.database_url, mode=None) as store:
        t0 = datetime(2026, 3, 2, 15, tzinfo=UTC)
        ids = [store.enqueue_notification("discord", {"message": f"m{i}"}, ts=t0) for i in range(4)]
        store.mark_sent(ids[0])
        store.mark_failed(ids[1], "HTTP 404 from the webhook")
        store.mark_failed(ids[2], "timeout", retry_at=t0)
        notes = store.notifications()
    cfg = validate_config({"notifications": {"discord": {"enabled": True}}})
    now = pd.Timestamp("2026-03-02 16:00", tz="UTC")
    table = delivery_frame(notes, cfg, now).set_index("channel")
    assert table.loc["discord", "enabled"] and not table.loc["telegram", "enabled"]
    assert table.loc["discord", ["sent", "waiting", "given up"]].tolist() == [1, 2, 1]
    assert table.loc["discord", "waiting for"] == pd.Timedelta(hours=1)
    assert table.loc["discord", "last error"] == "timeout"
    assert table.loc["telegram", ["sent", "waiting", "given up"]].tolist() == [0, 0, 0]


def test_without_the_ml_ensemble_model_health_says_so() -> None:
    with Store("sqlite://", mode="simulated") as store:
        run_id = store.start_run(
            name="t",
            started_at=datetime(2024, 1, 2, 21, tzinfo=UTC),
            symbols=["A"],
            initial_cash=1.0,
        )
        health = model_health(TradewindConfig(), store, run_id)
    assert not health.available and health.rows == () and health.healthy
    assert health.note.startswith("no ML models") and "ml.enabled: false" in health.note


def test_model_health_reads_the_registry_and_the_runs_last_ml_event(tmp_path: Path) -> None:
    """A deployed ridge, an lgbm never deployed; the run's last rebalance fell back, then used
    the views: the rows come from the registry, the verdict from the newest event."""
    from mlkit import SYMBOLS, market, pipeline, small_ml

    from tradewind.signals.registry import Registry
    from tradewind.signals.training import train

    ml = small_ml(enabled=True, models=("ridge", "lgbm"), registry_path=str(tmp_path / "models"))
    panel, _, data = pipeline(market(31, planted=True), ml)
    trained = train("ridge", ml, data, len(panel.index) - 1, SYMBOLS, panel.names)
    registry = Registry(tmp_path / "models")
    meta = registry.save(trained)
    registry.deploy("ridge", meta.version, "test")
    cfg = TradewindConfig(ml=ml)
    with Store("sqlite://", mode="simulated") as store:
        run_id = store.start_run(
            name="t",
            started_at=datetime(2024, 1, 2, 21, tzinfo=UTC),
            symbols=list(SYMBOLS),
            initial_cash=1.0,
        )
        before = model_health(cfg, store, run_id)
        t0 = datetime(2024, 1, 3, 21, tzinfo=UTC)
        store.record_event(run_id, "ml_fallback", "lgbm: not deployed", "warning", ts=t0)
        fell_back = model_health(cfg, store, run_id)
        store.record_event(run_id, "ml_views", "views on 16 symbols", ts=t0 + pd.Timedelta(days=1))
        used = model_health(cfg, store, run_id)
    rows = {r["model"]: r for r in before.rows}
    assert rows["ridge"]["version"] == meta.version and rows["ridge"]["status"] == "deployed"
    assert rows["ridge"]["validation IC"] == meta.validation["ic"]
    assert rows["ridge"]["trained on"] == f"{meta.fit_start} to {meta.data_end}"
    assert rows["lgbm"] == {"model": "lgbm", "version": "not deployed", "status": "missing"}
    assert before.healthy and "no rebalance has used the ensemble yet" in before.note
    assert not fell_back.healthy and "FELL BACK" in fell_back.note
    assert "lgbm: not deployed" in fell_back.note
    assert used.healthy and "views used: views on 16 symbols" in used.note
    assert "retrain --monitoring-status" in used.note


def test_a_wall_clock_run_shows_its_service_its_uptime_and_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A simulated run on the wall clock (a fake clock, a week of 2019): System Health reads
    the lock, the uptime as `tradewind status` measures it, and "the last 24 hours" are the
    wall clock's (the 2019 warnings are not in them)."""
    import json
    import os
    import sys

    from dashkit import app_test, metrics
    from typer.testing import CliRunner

    from tradewind.cli.app import app as cli
    from tradewind.service.heartbeat import InstanceLock
    from tradewind.service.paths import lock_path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
    import servicekit

    config = servicekit.write_config(tmp_path, execution={"fill_price": "close"})
    clock = servicekit.FakeClock("2019-09-03 08:00", stop_at="2019-09-10 12:00")
    result = servicekit.run_wall(config, clock, None, interval=3600)
    assert result.cycles > 30
    status = CliRunner().invoke(cli, ["status", "--json", "--config", str(config)])
    assert status.exit_code == 0, status.output
    uptime = json.loads(status.stdout)["uptime"]["percent"] / 100
    at = app_test(config, monkeypatch, tab="System Health")
    assert not at.exception
    m = metrics(at)
    assert m["Trading service"][0] == "not running"
    assert m["Uptime"] == (f"{uptime:.1%}", "last 7 days")
    assert m["Warnings/errors (24 h)"][0] == "0"  # nothing in the wall clock's last day
    # the NYSE now (real time), as `tradewind status` says it
    from datetime import UTC, datetime

    from tradewind.calendar import nyse
    from tradewind.calendar.session_hours import describe

    market = describe(nyse().market_now(datetime.now(UTC))).split(" (in ")[0]
    assert any(c.value.startswith(market) for c in at.caption), [c.value for c in at.caption]
    lock = InstanceLock(lock_path(servicekit.load(config)))
    lock.acquire({"pid": os.getpid(), "mode": "simulated"})
    try:
        at = app_test(config, monkeypatch, tab="System Health")
        assert metrics(at)["Trading service"] == ("RUNNING", f"pid {os.getpid()}")
    finally:
        lock.release()


def test_regime_shading_is_what_add_vrect_draws_one_span_at_a_time() -> None:
    """The P&L chart gives its regime stretches to the layout as one list of shapes; they must
    be the rectangles plotly's ``add_vrect`` would add (spanning the plot's height, below)."""
    import plotly.graph_objects as go

    from tradewind.dashboard.charts import colour, pnl_vs_benchmark
    from tradewind.dashboard.regime import Stretch

    days = pd.date_range("2022-01-03 21:00", periods=60, freq="B", tz="UTC")
    equity = pd.Series(np.linspace(100.0, 120.0, len(days)), index=days)
    shade = [
        Stretch("BULL", days[0], days[19], 20),
        Stretch("BEAR", days[20], days[39], 20),
        Stretch("UNKNOWN", days[40], days[59], 20),
    ]
    fig = pnl_vs_benchmark(equity, 100.0, None, "SP500", shade)
    expected = go.Figure()
    for s in shade:
        expected.add_vrect(
            x0=s.start,
            x1=s.end,
            fillcolor=colour(s.regime),
            opacity=0.12,
            line_width=0,
            layer="below",
        )
    assert fig.layout.shapes == expected.layout.shapes
