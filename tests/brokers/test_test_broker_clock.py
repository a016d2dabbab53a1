"""``tradewind test-broker``'s market-clock step names the next open or close on the NYSE's
clock (ET), as the runbook's market hours are written ("9:30 AM - 4:00 PM ET"). It printed New
York's 09:30 labelled "UTC" (five hours off) for Webull, whose clock is the NYSE calendar's."""

from __future__ import annotations

import json
from pathlib import Path

import fake_webull_broker
import pandas as pd
import pytest
import yaml
from brokerkit import PRICES
from exchange import Exchange
from typer.testing import CliRunner

from tradewind.calendar import EASTERN, nyse
from tradewind.cli.app import app

CREDS = {
    "WEBULL_APP_KEY": fake_webull_broker.APP_KEY,
    "WEBULL_APP_SECRET": fake_webull_broker.APP_SECRET,
    "WEBULL_PAPER_TRADING": "true",
}


def test_the_market_clock_step_shows_new_york_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for k, v in CREDS.items():
        monkeypatch.setenv(k, v)
    server = fake_webull_broker.serve(Exchange(PRICES))
    config = tmp_path / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "trading": {"mode": "paper", "symbols": sorted(PRICES)},
                "broker": {"name": "webull", "paper_trading": True, "base_url": server.url},
                "database": {"url": f"sqlite:///{tmp_path / 'tw.db'}"},
                "logging": {"path": str(tmp_path / "t.log")},
            }
        ),
        encoding="utf-8",
    )
    try:
        now = pd.Timestamp.now(tz="UTC")
        result = CliRunner().invoke(
            app, ["test-broker", "--config", str(config), "--paper", "--json"]
        )
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    cal = nyse()
    nxt = cal.next_close(now) if cal.is_open(now) else cal.next_open(now)
    expected = f"{nxt.tz_convert(EASTERN):%Y-%m-%d %H:%M} ET"
    assert expected in steps["market clock"]["detail"], steps["market clock"]
    assert "UTC" not in steps["market clock"]["detail"]
