"""The commands: ``trade`` (and the runbook's ``scripts/start_trading.py``), its refusals and live
consent, ``status``, ``orders``, ``positions``, ``resume`` on the database, and ``demo``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from repokit import LOG_ENV
from servicekit import SHORT, load, write_config
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.domain.actions import CorporateAction
from tradewind.service.checkpoint import load_baseline, save_baseline
from tradewind.service.live_safety import ALLOW_ENV, Banner, LiveTradingRefused, check_live
from tradewind.store import Store

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _paper_like(folder: Path, **trading: Any) -> Path:
    """The shipped default config (simulated, broker webull, paper account), files in folder."""
    data = yaml.safe_load((ROOT / "config" / "trading_config.yaml").read_text("utf-8"))
    data["trading"].update(trading)
    data["database"] = {"url": f"sqlite:///{folder / 'tw-{mode}.db'}"}
    data["logging"] = {"path": str(folder / "trading.log")}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_runbook_paper_command_refuses_clearly_without_broker_credentials(tmp_path: Path) -> None:
    config = _paper_like(tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "start_trading.py"),
            "--paper",
            "--interval",
            "3600",
            "--ensemble",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    text = " ".join(proc.stderr.split())
    assert "WEBULL_APP_KEY: not set, and broker.name 'webull' needs it (paper)" in text
    assert not list(tmp_path.glob("*.db"))  # nothing started, nothing written


def test_live_needs_all_four_consents(tmp_path: Path) -> None:
    live = _paper_like(tmp_path, mode="live")
    data = yaml.safe_load(live.read_text("utf-8"))
    data["broker"]["paper_trading"] = False
    data["data"] = {"source": "yfinance"}  # real prices: live refuses synthetic ones
    live.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out = cli("trade", "--config", str(live))
    text = " ".join(out.split())
    assert code == 1 and "live trading refused" in text
    assert f"{ALLOW_ENV}=yes is not set" in text and "--live was not given" in text
    code, out = cli("trade", "--config", str(live), "--live", env={ALLOW_ENV: "yes"})
    assert code == 2 and "WEBULL_APP_KEY: not set" in " ".join(out.split())  # past consent
    code, out = cli(
        "trade",
        "--config",
        str(_paper_like(tmp_path, mode="paper")),
        "--mode",
        "live",
        "--live",
        env={ALLOW_ENV: "yes"},
    )
    assert code == 2  # paper_trading true contradicts live: refused by validation first
    cfg = load(write_config(tmp_path))
    with pytest.raises(LiveTradingRefused, match="--live was given but the mode is simulated"):
        check_live(cfg, file_mode=cfg.trading.mode, live_flag=True, env={})


def test_live_refuses_prices_that_are_not_the_market_s(tmp_path: Path) -> None:
    """With every consent given, live trading on the synthetic market (the shipped config's
    source, even one whose end lies in the future) or the bundled history is refused before
    anything is written."""
    for source in ("synthetic", "bundled"):
        live = _paper_like(tmp_path, mode="live")
        data = yaml.safe_load(live.read_text("utf-8"))
        data["broker"]["paper_trading"] = False
        data["data"] = {"source": source}
        if source == "synthetic":
            data["data"]["synthetic"] = {"end": "2099-12-31"}
        live.write_text(yaml.safe_dump(data), encoding="utf-8")
        code, out = cli("trade", "--config", str(live), "--live", env={ALLOW_ENV: "yes"})
        text = " ".join(out.split())
        assert code == 1 and "live trading refused" in text, text
        assert f"data.source is '{source}'" in text and "set data.source: yfinance" in text
        assert not list(tmp_path.glob("*.db"))


def test_live_from_the_environment_is_not_the_file_saying_live(tmp_path: Path) -> None:
    paper = _paper_like(tmp_path, mode="paper")
    env = {
        "TRADEWIND__TRADING__MODE": "live",
        "TRADEWIND__BROKER__PAPER_TRADING": "false",
        ALLOW_ENV: "yes",
    }

    code, out = cli("trade", "--config", str(paper), "--live", env=env)

    text = " ".join(out.split())
    assert code == 1 and "live trading refused" in text
    assert "the config file says trading.mode: paper" in text
    assert "TRADEWIND__TRADING__MODE do not count" in text
    assert not list(tmp_path.glob("*.db"))


def test_live_banner_leads_with_a_warning() -> None:
    cfg = load(ROOT / "config" / "trading_config.yaml")
    banner = Banner(
        "live",
        "alpaca",
        "****1234",
        1000.0,
        5000.0,
        2,
        "1 'live' (new)",
        "every 3600s while the NYSE is open",
        "data/tradewind-live.db",
        None,
    )
    lines = banner.lines(cfg)
    assert lines[0].startswith("LIVE TRADING: REAL MONEY")
    assert any("equity $5,000.00" in line for line in lines)
    assert any("max position 30%" in line and "daily loss halt 5%" in line for line in lines)
    # issue 27: the banner says what the prices are, and the stops as configured
    assert "prices: Synthetic market (seed 7): not real prices." in lines
    assert any("stops trailing max(3.0%, 2 x ATR(14)) below the peak" in line for line in lines)


def test_trade_replay_then_status_orders_positions(tmp_path: Path) -> None:
    config = str(write_config(tmp_path, execution={"fill_price": "close"}))
    code, out = cli("trade", "--config", config, "--replay", f"{SHORT[0]}:{SHORT[1]}", "--json")
    assert code == 0, out
    result = json.loads(out[out.index("{") :])
    assert result["status"] == "finished" and result["cycles"] > 50
    code, out = cli("status", "--config", config, "--json")
    status = json.loads(out)
    assert status["running"] is False and status["run"]["status"] == "finished"
    assert status["halted"] is False and status["uptime"]["percent"] > 0
    assert status["last_cycle"]["ts"].startswith(SHORT[1]) and status["positions"]
    code, out = cli("orders", "--config", config, "--json")
    orders = json.loads(out)["orders"]
    assert orders and all(o["status"] in ("filled", "rejected", "canceled") for o in orders)
    code, out = cli("positions", "--config", config, "--json")
    positions = json.loads(out)
    assert positions["consistent"] is True and positions["positions"]
    code, out = cli("status", "--config", config)
    assert code == 0 and "not running" in out and "uptime" in out
    assert "stock splits booked" not in out and status["stock_splits"] == []
    # a split booked by reconciliation (a wall-clock run's) is listed
    with Store(load(Path(config)).database_url, mode=None) as store:
        baseline = load_baseline(store, 1)
        assert baseline is not None
        split = CorporateAction("AAA", date(2020, 6, 1), datetime(2020, 6, 1, 20, tzinfo=UTC), 4.0)
        save_baseline(store, 1, baseline.with_split(split))
    code, out = cli("status", "--config", config, "--json")
    assert json.loads(out)["stock_splits"] == ["AAA 4-for-1 split (ex 2020-06-01)"]
    code, out = cli("status", "--config", config)
    assert "stock splits booked (shares and average cost in the new shares): AAA 4-for-1" in (
        " ".join(out.split())
    )


def test_resume_clears_a_halt_kept_in_the_database(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    cfg = load(config)
    with Store(cfg.database_url, mode="simulated") as store:
        store.latch_halt("reconciliation", "the broker holds 10 AAA nobody ordered")
    code, out = cli("status", "--config", str(config), "--json")
    assert json.loads(out)["halted"] is True
    code, out = cli("resume", "--config", str(config), "--confirm", "--reason", "checked")
    assert code == 0, out
    with Store(cfg.database_url, mode=None) as store:
        assert store.active_halt() is None
        assert store.halts()[0].clear_reason == "checked"


def test_demo_replays_and_says_where_everything_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LOG_ENV)  # the log file the YAML names
    monkeypatch.chdir(tmp_path)  # a report folder ignoring reports.folder would land here
    data = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text("utf-8"))
    data["database"] = {"url": f"sqlite:///{tmp_path / 'demo.db'}"}
    data["logging"] = {"path": str(tmp_path / "trading.log")}
    data["reports"] = {"folder": str(tmp_path / "reports")}
    config = tmp_path / "demo.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out = cli("demo", "--config", str(config), "--years", "0.3")
    assert code == 0, out
    text = " ".join(out.split())
    report = tmp_path / "reports" / "demo-1"  # <reports.folder>/demo-<run id> (no --out)
    assert "Where everything is" in text and str(tmp_path / "demo.db") in text
    assert str(report) in text and not (tmp_path / "runs").exists()
    assert "Demo: trading service replay (simulated broker)" in text and "Backtest" not in text
    assert f"Dashboard: tradewind dashboard --config {config}" in text  # issue 24
    for name in ("summary.json", "tracking.csv", "tearsheet.html", "decisions.jsonl"):
        assert (report / name).exists()
    assert (tmp_path / "trading.log").exists()
    weekly = sorted((report / "weekly").glob("*.md"))
    assert weekly and "from the service's heartbeats" in weekly[-1].read_text("utf-8")
    os.environ.pop(ALLOW_ENV, None)
    shutil.rmtree(tmp_path / "reports")


def test_a_halted_run_says_halted_with_the_resume_command_and_exits_4(tmp_path: Path) -> None:
    config = str(
        write_config(
            tmp_path,
            execution={"fill_price": "close"},
            risk_management={
                "daily_loss_limit": 0.012,
                "daily_loss_warning": 0.006,
                "circuit_breaker": {"consecutive_losses": 4},  # no simulated resume
            },
        )
    )
    code, out = cli("trade", "--config", config, "--replay", f"{SHORT[0]}:{SHORT[1]}")
    text = " ".join(out.split())
    assert code == 4, out
    assert "HALTED: daily_loss halt latched" in text and "reached the 1.2% limit" in text
    assert 'tradewind resume --confirm --reason "..."' in text
    code, out = cli("trade", "--config", config, "--replay", f"{SHORT[0]}:{SHORT[1]}", "--json")
    result = json.loads(out[out.index("{") :])
    assert code == 4 and result["halted"] is True and "daily_loss" in result["message"]


def test_risk_status_reads_the_service_database_and_agrees_with_status(tmp_path: Path) -> None:
    config = str(
        write_config(
            tmp_path,
            execution={"fill_price": "close"},
            risk_management={
                "daily_loss_limit": 0.012,
                "daily_loss_warning": 0.006,
                "circuit_breaker": {"consecutive_losses": 4},  # no simulated resume
            },
        )
    )
    code, _ = cli("trade", "--config", config, "--replay", f"{SHORT[0]}:{SHORT[1]}")
    assert code == 4
    _, out = cli("status", "--config", config, "--json")
    status = json.loads(out)
    code, out = cli("risk", "status", "--config", config, "--json")
    assert code == 0, out
    risk = json.loads(out)
    assert status["halted"] is True and risk["halted"] is True
    assert risk["source"] == "database" and risk["halt"]["breaker"] == "daily_loss"
    assert [h["id"] for h in risk["halts"]] == [h["id"] for h in status["halts"]]
    assert risk["latest_run"]["id"] == status["run"]["id"]
    assert risk["as_of"] is not None and risk["as_of"][:10] <= SHORT[1]
    assert risk["equity"] == pytest.approx(status["last_cycle"]["equity"])
    assert set(risk["breakers"]) == {"daily_loss", "drawdown", "consecutive_losses"}
    assert risk["breakers"]["drawdown"]["limit"] == 0.15
    assert {p["symbol"] for p in risk["positions"]} == {p["symbol"] for p in status["positions"]}
    assert risk["positions"] and all(p["active"] for p in risk["positions"])  # stops
    assert not (tmp_path / "state").exists()  # the service never wrote the state file
    code, out = cli("risk", "status", "--config", config)
    text = " ".join(out.split())
    assert "HALTED" in text and "daily_loss" in text and "Breakers" in text
    assert "trailing" in text and "tradewind resume --confirm" in text


def test_risk_events_reach_the_log_file_at_their_severity_and_halts_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LOG_ENV)  # the log file the YAML names
    config = str(
        write_config(
            tmp_path,
            execution={"fill_price": "close"},
            risk_management={
                "daily_loss_limit": 0.012,
                "daily_loss_warning": 0.006,
                "circuit_breaker": {"consecutive_losses": 4, "drawdown_warning": 0.01},
            },
        )
    )
    code, out = cli("trade", "--config", config, "--replay", f"{SHORT[0]}:{SHORT[1]}")
    assert code == 4
    lines = (tmp_path / "trading.log").read_text("utf-8").splitlines()
    halts = [line for line in lines if " CRITICAL " in line and " halt at " in line]
    assert len(halts) == 1 and "trading HALTED: daily loss" in halts[0]
    assert any(" WARNING " in line and "daily_loss_warning at " in line for line in lines)
    assert any(" WARNING " in line and "drawdown_warning at " in line for line in lines)
    assert any(" WARNING " in line and "stop at " in line for line in lines)  # stop exits
    assert "trading HALTED: daily loss" in " ".join(out.split())  # on the console too
    with Store(load(Path(config)).database_url, mode=None) as store:  # as in the database
        stored = {e.kind for e in store.events(1)}
    assert {"halt", "daily_loss_warning", "drawdown_warning", "stop"} <= stored


def test_accepting_paper_gaps_is_a_live_flag_only(tmp_path: Path) -> None:
    """``--accept-paper-gaps`` (a live first start despite the paper phase's gaps) in another
    mode is refused before anything is written, so it never silently means nothing; ``--help``
    says what it does."""
    code, out = cli("trade", "--config", str(write_config(tmp_path)), "--accept-paper-gaps")

    assert code == 2 and "--accept-paper-gaps concerns live trading only" in out
    assert not list(tmp_path.glob("*.db"))
    code, out = cli("trade", "--help")
    text = " ".join(out.replace("│", " ").split())
    assert code == 0 and "--accept-paper-gaps" in text
    assert "Live only, your own decision: start a new live run although the paper phase" in text


def test_paper_since_is_a_live_flag_only(tmp_path: Path) -> None:
    """``--paper-since`` (the live first start's paper verdict from that session on) in another
    mode is refused before anything is written."""
    config = str(write_config(tmp_path))

    code, out = cli("trade", "--config", config, "--paper-since", "2026-11-02")
    assert code == 2 and "--paper-since concerns a live run's first start only" in out
    assert not list(tmp_path.glob("*.db"))
    code, out = cli("trade", "--help")
    text = " ".join(out.replace("│", " ").split())
    assert code == 0 and "Live only: judge the paper phase from this session on" in text
