"""The daily checklist of a simulated run on the wall clock: the running check reads the
service's lock, the rebalance-due check follows the calendar and the drift, the evening P&L is
the session's, and an active halt is put first among the things to look at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import servicekit
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.reports.rolling import daily_equity
from tradewind.service.heartbeat import InstanceLock
from tradewind.service.paths import lock_path
from tradewind.service.records import load_records
from tradewind.store import Store


@pytest.fixture(scope="module")
def wall_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wall")
    config = servicekit.write_config(folder, execution={"fill_price": "close"})
    clock = servicekit.FakeClock("2019-09-02 08:00", stop_at="2019-09-12 12:00")
    servicekit.run_wall(config, clock, None, interval=86400)
    return config


def _items(config: Path, which: str, day: str) -> dict[str, dict[str, str]]:
    args = ["checklist", which, "--config", str(config), "--date", day, "--json", "--no-write"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return {i["item"]: i for i in json.loads(result.stdout)["items"]}


def test_without_a_halt_the_halts_item_keeps_its_place(wall_run: Path) -> None:
    morning = list(_items(wall_run, "morning", "2019-09-12"))
    evening = list(_items(wall_run, "evening", "2019-09-12"))
    assert morning[-1] == evening[4] == "Check circuit breaker / trading halts"
    assert evening[:2] == ["Review day's P&L", "Update tracking spreadsheet"]


def test_the_running_check_reads_the_services_lock(wall_run: Path) -> None:
    stopped = _items(wall_run, "morning", "2019-09-13")["Verify system is running"]
    assert stopped["status"] == "attention" and "NOT running" in stopped["detail"]
    lock = InstanceLock(lock_path(servicekit.load(wall_run)))
    lock.acquire({"mode": "simulated"})
    try:
        running = _items(wall_run, "morning", "2019-09-13")["Verify system is running"]
    finally:
        lock.release()
    assert running["status"] == "ok" and "running (pid " in running["detail"]


def test_a_rebalance_is_due_on_the_first_session_of_the_period(wall_run: Path) -> None:
    item = "Check if rebalancing is scheduled today"
    monday = _items(wall_run, "morning", "2019-09-16")[item]["detail"]
    friday = _items(wall_run, "morning", "2019-09-13")[item]["detail"]
    assert "calendar: 2019-09-16 is the first session of its week" in monday  # weekly
    assert friday.startswith("no (drift ") and "vs the 5% threshold" in friday


def test_the_evening_pnl_is_the_sessions(wall_run: Path) -> None:
    cfg = servicekit.load(wall_run)
    with Store(cfg.database_url, mode=None) as store:
        equity = daily_equity(load_records(store, 1).recorder)
    day = equity.index[-1]
    pnl = float(equity.iloc[-1] - equity.iloc[-2])
    detail = _items(wall_run, "evening", f"{day:%Y-%m-%d}")["Review day's P&L"]["detail"]
    assert detail.startswith(f"{pnl:+,.2f} USD")


def test_an_active_halt_is_flagged_morning_and_evening(wall_run: Path, tmp_path: Path) -> None:
    cfg = servicekit.load(wall_run)
    with Store(cfg.database_url, mode="simulated") as store:
        halt = store.latch_halt("drawdown", "drawdown 15% reached the 15% limit", run_id=1)
    try:
        for which in ("morning", "evening"):
            items = _items(wall_run, which, "2019-09-12")
            halts = items["Check circuit breaker / trading halts"]
            assert halts["status"] == "attention" and "drawdown 15%" in halts["detail"]
            assert list(items)[0] == "Check circuit breaker / trading halts"  # first, when active
        evening = list(_items(wall_run, "evening", "2019-09-12"))
        assert evening[1:3] == ["Review day's P&L", "Update tracking spreadsheet"]
        due = _items(wall_run, "morning", "2019-09-16")["Check if rebalancing is scheduled today"]
        assert due["detail"] == "no: trading is HALTED (see the halts item)"
    finally:
        with Store(cfg.database_url, mode="simulated") as store:
            store.clear_halt("test", "checked", halt_id=halt.id)
