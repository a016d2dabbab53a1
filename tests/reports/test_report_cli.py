"""The commands on a real store: ``report daily|weekly|summary|lesson``, ``readiness``,
``checklist``, and ``backtest`` recording its run for ``report --mode backtest``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from runkit import StoredRun
from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner(env=env).invoke(app, list(args))


def _json(*args: str, env: dict[str, str] | None = None) -> Any:
    result = _cli(*args, "--json", env=env)
    assert result.exit_code in (0, 1, 5), result.output
    return json.loads(result.stdout)


def test_report_daily_lists_sessions_and_details_one(replay: StoredRun) -> None:
    c = str(replay.config)
    days = _json("report", "daily", "--config", c, "--days", "5")["days"]
    assert len(days) == 5 and days[-1]["Date"] == "2019-11-29"
    assert {"P&L", "Sharpe 2w", "Win Rate", "Trades", "System Uptime"} <= set(days[-1])
    every = _json("report", "daily", "--config", c, "--days", "60")["days"]
    traded = next(d["Date"] for d in every if d["Trades"])  # fills at the next open
    decided = next(d["Date"] for d in every if d["Rebalancing Events"])
    detail = _json("report", "daily", "--config", c, "--date", traded)
    assert len(detail["fills"]) == next(d["Trades"] for d in every if d["Date"] == traded)
    assert _json("report", "daily", "--config", c, "--date", decided)["decisions"]
    text = _cli("report", "daily", "--config", c, "--date", traded).output
    assert "Trades executed" in text
    off = _cli("report", "daily", "--config", c, "--date", "2019-12-25")
    assert off.exit_code == 2 and "Invalid option" in off.stderr
    assert "has no cycle on 2019-12-25" in " ".join(off.stderr.split())


def test_report_weekly_rollup_week_and_files(replay: StoredRun, tmp_path: Path) -> None:
    c = str(replay.config)
    env = {"TRADEWIND__REPORTS__FOLDER": str(tmp_path / "runs")}
    weeks = _json("report", "weekly", "--config", c)["weeks"]
    assert len(weeks) == 13 and weeks[0]["win_rate"] is None
    assert weeks[-1]["closed"] is True  # the replay finished: its last week is complete
    table = _cli("report", "weekly", "--config", c).output
    assert "Cumulative Return" in table and "(to date)" not in table
    week = _cli("report", "weekly", "--config", c, "--week", "2", "--write", env=env)
    assert week.exit_code == 0 and "# Week 2 Trading Report" in week.output
    folder = tmp_path / "runs" / "tw-run-1"
    assert (folder / "rollup.md").exists() and len(list((folder / "weekly").iterdir())) == 13
    bad = _cli("report", "weekly", "--config", c, "--week", "14")
    assert bad.exit_code == 2 and "has weeks 1 to 13" in bad.stderr


def test_report_summary_compares_with_the_benchmark(replay: StoredRun, tmp_path: Path) -> None:
    c = str(replay.config)
    payload = _json("report", "summary", "--config", c, "--out", str(tmp_path / "out"))
    assert payload["run"]["clock"] == "replay" and payload["run"]["sessions"] == 63
    assert payload["benchmark"]["benchmark_total_return"] is not None
    assert payload["rolling_sharpe"]["window_sessions"] == 10
    assert (tmp_path / "out" / "summary.json").exists()
    text = _cli("report", "summary", "--config", c).output
    assert "SP500" in text and "Weekly tracking" in text


def test_report_lesson_appends_to_the_run_folder(replay: StoredRun, tmp_path: Path) -> None:
    env = {"TRADEWIND__REPORTS__FOLDER": str(tmp_path / "runs")}
    c = str(replay.config)
    got = _json("report", "lesson", "stops clustered on the CPI day", "--config", c, env=env)
    assert got["week"] == 13
    _json("report", "lesson", "week two", "--week", "2", "--config", c, env=env)
    text = (tmp_path / "runs" / "tw-run-1" / "lessons.md").read_text("utf-8")
    assert text.index("### Week 2") < text.index("- week two")
    assert "- stops clustered on the CPI day" in text


def test_reports_of_a_mode_without_a_database_say_so(tmp_path: Path) -> None:
    env = {"TRADEWIND__DATABASE__URL": f"sqlite:///{tmp_path / 'tw-{mode}.db'}"}
    result = _cli("report", "summary", "--mode", "paper", env=env)
    assert result.exit_code == 1
    assert "nothing has run in mode paper yet" in " ".join(result.stderr.split())
    bad = _cli("report", "summary", "--mode", "papr", env=env)
    assert bad.exit_code == 2 and "--mode must be one of" in bad.stderr


def test_readiness_exit_code_is_the_verdict(replay: StoredRun) -> None:
    c = str(replay.config)
    result = _cli("readiness", "--config", c, "--mode", "simulated", "--json")
    payload = json.loads(result.stdout)
    assert result.exit_code == payload["exit_code"] == {"READY": 0, "NOT READY": 1,
                                                        "INSUFFICIENT EVIDENCE": 5}[
        payload["verdict"]]  # fmt: skip
    assert len(payload["criteria"]) == 12
    assert all({"criterion", "threshold", "measured", "status", "evidence"} <= set(x)
               for x in payload["criteria"])  # fmt: skip
    text = " ".join(_cli("readiness", "--config", c, "--mode", "simulated").output.split())
    assert f"Verdict: {payload['verdict']}" in text and "PASS" in text
    strict = _cli("readiness", "--config", c, "--mode", "simulated", "--json",
                  env={"TRADEWIND__READINESS__PAPER__MIN_SESSIONS": "1000"})  # fmt: skip
    evidence = json.loads(strict.stdout)["criteria"][0]
    assert strict.exit_code == 1 and evidence["status"] == "fail"
    assert evidence["threshold"] == ">= 1000 sessions"


def test_checklists_answer_from_the_system(replay: StoredRun, tmp_path: Path) -> None:
    env = {"TRADEWIND__REPORTS__FOLDER": str(tmp_path / "runs")}
    c = str(replay.config)
    morning = _json("checklist", "morning", "--config", c, env=env)
    items = {i["item"]: i for i in morning["items"]}
    assert morning["day"] == "2019-12-02"  # the session after the replay's last
    assert {"Verify system is running", "Check overnight news/events",
            "Review current market regime", "Check if rebalancing is scheduled today"} <= set(
        items)  # fmt: skip
    assert "calendar" in items["Check if rebalancing is scheduled today"]["detail"]  # a Monday
    evening = _json("checklist", "evening", "--config", c, "--date", "2019-11-29", env=env)
    names = [i["item"] for i in evening["items"]]
    assert names[:2] == ["Review day's P&L", "Update tracking spreadsheet"]
    assert (tmp_path / "runs" / "tw-run-1" / "tracking.csv").exists()
    costs = next(i for i in evening["items"] if i["item"] == "Review transaction costs")
    assert "month to date" in costs["detail"] and "budget" in costs["detail"]
    bad = _cli("checklist", "noon", "--config", c)
    assert bad.exit_code == 2 and "morning, during, evening or weekly" in bad.stderr


def test_a_backtest_is_recorded_and_reported_from_the_database(tmp_path: Path) -> None:
    env = {"TRADEWIND__DATABASE__URL": f"sqlite:///{tmp_path / 'tw-{mode}.db'}"}
    args = ["backtest", "--config", str(ROOT / "config" / "demo.yaml"), "--start", "2022-06-01",
            "--out", str(tmp_path / "bt"), "--json"]  # fmt: skip
    ran = _cli(*args, env=env)
    assert ran.exit_code == 0, ran.output
    recorded = json.loads(ran.stdout)["recorded"]
    assert recorded["run_id"] == 1 and "tw-backtest.db" in recorded["database"]
    assert (tmp_path / "bt" / "rollup.md").exists() and (tmp_path / "bt" / "lessons.md").exists()
    report = _json("report", "summary", "--config", str(ROOT / "config" / "demo.yaml"),
                   "--mode", "backtest", env=env)  # fmt: skip
    backtest = json.loads(ran.stdout)["performance"]
    assert report["performance"] == pytest.approx(backtest)
    assert report["run"]["clock"] == "backtest" and report["uptime"] is None
    skipped = _cli(*args, "--no-record", env=env)
    assert json.loads(skipped.stdout)["recorded"] is None
