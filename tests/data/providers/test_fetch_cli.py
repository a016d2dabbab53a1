"""``tradewind data fetch`` fills the cache; the runbook's symbols then backtest on it offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from fake_yahoo import FakeYahoo
from market_truth import Truth
from typer.testing import CliRunner

from tradewind.backtest.runner import run_backtest
from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.data import get_market_data

RUNBOOK = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]
runner = CliRunner()


def config(folder: Path, url: str) -> Path:
    data: dict[str, Any] = {
        "trading": {"symbols": RUNBOOK},
        "portfolio_optimization": {"lookback_days": 60, "regime_aware": False},
        "risk_management": {"stop_loss": {"enabled": False}},
        "data": {
            "source": "yfinance",
            "benchmark": "SP500",
            "yfinance": {"url": url, "min_interval_seconds": 0, "retries": 0},
            "cache": {"path": str(folder / "cache")},
        },
        "database": {"url": f"sqlite:///{folder / 'tw.db'}"},
        "logging": {"path": str(folder / "trading.log")},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_fetch_then_the_runbook_symbols_backtest_on_the_cache_with_yahoo_gone(
    tmp_path: Path,
) -> None:
    truth = Truth.random([*RUNBOOK, "SPY", "VIX"], start="2022-01-03", end="2024-06-28")
    with FakeYahoo(truth, "2024-06-27") as yahoo:
        path = config(tmp_path, yahoo.url)
        result = runner.invoke(
            app, ["data", "fetch", *RUNBOOK, "--start", "2022-01-03", "-c", str(path), "--json"]
        )
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        again = runner.invoke(app, ["data", "fetch", "AAPL", "-c", str(path), "--json"])
        assert again.exit_code == 0, again.output
        ranged = yahoo.chart_requests()

    rows = {r["symbol"]: r for r in payload["symbols"]}
    assert set(rows) == {*RUNBOOK, "SP500", "VIX"}  # the benchmark and VIX come along
    assert all(r["error"] is None and r["provider"] == "yfinance" for r in rows.values())
    assert rows["AAPL"]["first"].startswith("2022-01-03") and rows["AAPL"]["last"].startswith(
        "2024-06-27"
    )
    # the first fetch: one ranged request per series; the second (on today's real clock, when
    # the fake has nothing newer) asks AAPL, SPY and ^VIX only for the days after the cache
    firsts = [pd.Timestamp(int(r.query["period1"]), unit="s", tz="UTC") for r in ranged]
    assert len(firsts) == 12
    assert set(firsts[:9]) == {pd.Timestamp("2022-01-03", tz="America/New_York")}
    assert set(firsts[9:]) == {pd.Timestamp("2024-06-28", tz="America/New_York")}
    assert (tmp_path / "cache" / "yfinance" / "1d" / "NVDA.parquet").exists()

    # Yahoo is gone: the backtest reads the cache (every series served from it, with events)
    cfg = load_config(path)
    provider = get_market_data(cfg)
    run = run_backtest(cfg, provider, "2023-01-03")
    assert run.summary.performance.final_equity > 0
    assert run.summary.recorder.decisions  # it traded
    kinds = {e.kind for e in provider.events}  # type: ignore[attr-defined]
    assert kinds == {"served_from_cache"}
    closes = provider.bars(["NVDA"])["NVDA"]["close"]
    np.testing.assert_allclose(
        closes.to_numpy(), truth.total_return("NVDA", pd.Timestamp("2024-06-27")).to_numpy(),
        rtol=1e-9,
    )  # fmt: skip


def test_data_list_and_show_read_through_the_cache(tmp_path: Path) -> None:
    truth = Truth.random(["AAPL", "SPY", "VIX"], start="2023-01-03", end="2024-06-28")
    with FakeYahoo(truth, "2024-06-27") as yahoo:
        path = config(tmp_path, yahoo.url)
        fetched = runner.invoke(app, ["data", "fetch", "AAPL", "-c", str(path)])
        assert fetched.exit_code == 0, fetched.output
        shown = runner.invoke(
            app, ["data", "show", "AAPL", "-c", str(path), "--rows", "2", "--json"]
        )
        listed = runner.invoke(app, ["data", "list", "-c", str(path), "--json"])
    assert shown.exit_code == 0, shown.output
    bars = json.loads(shown.stdout)["bars"]
    assert [b["timestamp"][:10] for b in bars] == ["2024-06-26", "2024-06-27"]
    symbols = {r["symbol"]: r for r in json.loads(listed.stdout)["symbols"]}
    assert {"AAPL", "SPY", "VIX"} <= set(symbols)
    assert symbols["VIX"]["proxy_rows"] == 0  # observed, from Yahoo's ^VIX


def test_a_symbol_yahoo_does_not_know_fails_alone_with_exit_3(tmp_path: Path) -> None:
    truth = Truth.random(["AAPL", "SPY", "VIX"], start="2023-01-03", end="2024-06-28")
    with FakeYahoo(truth, "2024-06-27") as yahoo:
        path = config(tmp_path, yahoo.url)
        result = runner.invoke(
            app, ["data", "fetch", "AAPL", "NOPE", "--no-extras", "-c", str(path), "--json"]
        )
    assert result.exit_code == 3
    rows = {r["symbol"]: r for r in json.loads(result.stdout)["symbols"]}
    assert rows["AAPL"]["error"] is None
    assert "no provider could serve daily" in rows["NOPE"]["error"]
