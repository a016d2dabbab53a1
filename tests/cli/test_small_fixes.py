"""Small things a new user ran into: ``data show --start`` shows the rows from the start, a
missing ``risk status --run`` folder is refused, option refusals are not called configuration
errors, refusals reach the log, limits under 1% keep their decimals, and the trade planner's
skipped trades are in the decision log."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from repokit import LOG_ENV
from typer.testing import CliRunner, Result

from tradewind.backtest.runner import run_backtest
from tradewind.cli.app import app
from tradewind.config import validate_config
from tradewind.data import get_market_data
from tradewind.domain.fmt import pct
from tradewind.risk.breaker_params import BreakerParams
from tradewind.risk.breakers import Breakers
from tradewind.service.live_safety import Banner

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "config" / "demo.yaml")


def _cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_data_show_from_a_start_shows_the_first_rows_from_it() -> None:
    args = ["data", "show", "AAPL", "--source", "bundled", "--config", DEMO, "--json"]
    first = json.loads(_cli(*args, "--start", "2020-01-01", "--rows", "5").stdout)["bars"]
    assert [b["timestamp"][:10] for b in first] == [
        "2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07", "2020-01-08",
    ]  # fmt: skip
    last = json.loads(_cli(*args, "--rows", "2").stdout)["bars"]
    assert last[-1]["timestamp"][:10] == "2022-12-28"  # without --start: the last rows


def test_risk_status_of_a_missing_run_folder_is_refused(tmp_path: Path) -> None:
    result = _cli("risk", "status", "--config", DEMO, "--run", str(tmp_path / "runs" / "demo"))
    assert result.exit_code == 2
    assert "no such folder" in " ".join(result.stderr.split())
    (tmp_path / "empty").mkdir()
    empty = _cli("risk", "status", "--config", DEMO, "--run", str(tmp_path / "empty"))
    assert empty.exit_code == 2
    assert "not a run's report folder" in " ".join(empty.stderr.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trade", "--replay", "2022-13-01:2022-12-31"], "--replay must be START:END"),
        (["trade", "--speed", "0"], "--speed must be 'max' or a positive number"),
        (["backtest", "--start", "yesterday"], "--start 'yesterday' is not a date"),
        (["optimize", "--asof", "2020-06-30", "--method", "magic"], "--method 'magic'"),
    ],
)
def test_a_bad_option_is_an_invalid_option_not_a_config_error(
    args: list[str], message: str
) -> None:
    result = _cli(*args, "--config", DEMO)
    err = " ".join(result.stderr.split())
    assert result.exit_code == 2
    assert err.startswith("Invalid option: ") and message in err
    assert "invalid configuration" not in err and "Config error" not in err


def test_a_paper_refusal_is_logged(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "config" / "trading_config.yaml").read_text("utf-8"))
    data["database"] = {"url": f"sqlite:///{tmp_path / 'tw-{mode}.db'}"}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = _cli("trade", "--paper", "--interval", "3600", "--config", str(config))
    assert result.exit_code == 2
    log = Path(os.environ[LOG_ENV]).read_text("utf-8")
    assert "ERROR   tradewind.cli: config error (ConfigError)" in log
    refusal = "invalid configuration in the environment / .env (broker.name: webull)"
    assert refusal in log and "WEBULL_APP_KEY" in log  # the missing credential, named
    assert log.count(refusal) == 1
    assert refusal not in result.stdout


def test_a_live_refusal_is_logged() -> None:
    result = _cli("trade", "--live", "--replay", "2022-01-03:2022-01-31", "--config", DEMO)
    assert result.exit_code == 1 and "live trading refused" in result.stderr
    log = Path(os.environ[LOG_ENV]).read_text("utf-8")
    assert "ERROR   tradewind.cli: error (LiveTradingRefused): live trading refused" in log
    assert "--live was given but the mode is simulated" in log


def test_limits_under_one_percent_keep_their_decimals() -> None:
    assert (pct(0.005), pct(0.0025), pct(0.05), pct(0.125)) == ("0.5%", "0.25%", "5%", "12.5%")
    cfg = validate_config(
        {"risk_management": {"daily_loss_limit": 0.005, "daily_loss_warning": 0.0025}}
    )
    banner = Banner("simulated", "simulated", "x", 1.0, 1.0, 0, "1", "replay", "db", None)
    assert "daily loss halt 0.5%" in " ".join(banner.lines(cfg))
    breakers = Breakers(BreakerParams(0.0025, 0.005, 0.10, 0.15, 5))
    breakers.start_session("2024-01-02", 100_000.0)
    (trip,) = breakers.update(99_400.0, [], {})
    assert trip.halt and "reached the 0.5% limit" in trip.message


def test_the_planners_skipped_trades_are_in_the_decision_log() -> None:
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "JPM", "KO", "XOM"]},
            "data": {"source": "bundled"},
            "portfolio_optimization": {
                "rebalancing": {"min_trade_value": 4000.0, "max_trades_per_rebalance": 2}
            },
        }
    )
    run = run_backtest(
        cfg,
        get_market_data(cfg),
        pd.Timestamp("2021-01-04", tz="America/New_York"),
        pd.Timestamp("2021-06-30 23:00", tz="America/New_York"),
    )
    notes = [n for d in run.summary.recorder.decisions for n in d.notes]
    assert any(": max_trades (only 2 trades per rebalance)" in n for n in notes)
    small = [n for n in notes if "below_min_trade_value" in n]
    assert small and all(n.startswith("skipped ") and "< 4000.00" in n for n in small)
    assert all(len(d.orders) <= 2 for d in run.summary.recorder.decisions if d.targets)
