"""``tradewind trade --mode simulated`` on the wall clock, on yfinance data (a fake Yahoo).

The run trades on the bars the fake serves; when the next session's bar is due and Yahoo has not
published it, the data gate blocks trading with an alert; once it is published, the next cycle
reloads the market (only the new day is requested) and trades on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from fake_yahoo import FakeYahoo
from market_truth import Truth

from tradewind.config import load_config
from tradewind.data.network import live_from_config
from tradewind.service import StopFlag, TradeOptions, TradingService
from tradewind.store import Store

NY = "America/New_York"
RUNBOOK = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]


def write_config(folder: Path, url: str) -> Path:
    data: dict[str, Any] = {
        "trading": {"mode": "simulated", "symbols": RUNBOOK, "initial_capital": 100_000.0},
        "portfolio_optimization": {
            "method": "min_variance",
            "lookback_days": 60,
            "regime_aware": False,
            "rebalancing": {"trigger_type": "combined", "frequency": "daily"},
        },
        "risk_management": {"stop_loss": {"enabled": False}},
        "data": {
            "source": "yfinance",
            "yfinance": {"url": url, "min_interval_seconds": 0, "retries": 0},
            "cache": {"path": str(folder / "cache"), "history_start": "2023-01-03"},
        },
        "database": {"url": f"sqlite:///{folder / 'tw.db'}"},
        "logging": {"path": str(folder / "trading.log")},
        # the weekly files a stopped wall-clock run writes: here, not in the repository's runs/
        "reports": {"folder": str(folder / "runs")},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


class Clock:
    """Moves only when the service waits; publishes the next session at ``publish_at``."""

    def __init__(self, start: str, yahoo: FakeYahoo, publish_at: str, stop_at: str) -> None:
        self.t = pd.Timestamp(start, tz=NY).tz_convert("UTC")
        self.yahoo = yahoo
        self.publish_at = pd.Timestamp(publish_at, tz=NY)
        self.stop_at = pd.Timestamp(stop_at, tz=NY)
        self.stop = StopFlag()

    def now(self) -> pd.Timestamp:
        return self.t

    def wait(self, seconds: float) -> bool:
        self.t += pd.Timedelta(seconds=seconds)
        if self.t >= self.publish_at:
            self.yahoo.today = pd.Timestamp("2024-06-27")
        if self.t >= self.stop_at:
            self.stop.set("SIGTERM (test)")
        return self.stop.is_set


def test_simulated_trading_on_the_wall_clock_runs_on_yahoo_and_blocks_on_a_late_bar(
    tmp_path: Path,
) -> None:
    truth = Truth.random([*RUNBOOK, "SPY", "VIX"], start="2023-01-03", end="2024-07-31")
    with FakeYahoo(truth, "2024-06-26") as yahoo:
        cfg = load_config(write_config(tmp_path, yahoo.url))
        # Thursday 2024-06-27: cycles 10:00, 11:00 ... 15:00 on Wednesday's close; Friday 09:30
        # needs Thursday's bar, which Yahoo publishes only at 11:15
        clock = Clock("2024-06-27 10:00", yahoo, "2024-06-28 11:15", "2024-06-28 12:40")
        service = TradingService(
            cfg,
            TradeOptions(interval=3600, error_backoff=(0.0,)),
            provider=live_from_config(cfg, now=clock.now),  # what the CLI builds, on this clock
            now=clock.now,
            wait=clock.wait,
            stop=clock.stop,
        )
        result = service.run()
        ranged = yahoo.chart_requests("AAPL")

    assert result.status == "stopped"
    with Store(cfg.database_url, mode=None) as store:
        cycles = store.cycles(result.run_id)
        events = store.events(result.run_id)
    ran = [pd.Timestamp(c.ts).tz_convert(NY).strftime("%a %H:%M") for c in cycles]
    stale = [e for e in events if e.kind == "data_error"]
    assert ran[0] == "Thu 10:00"  # the first cycle trades on Yahoo's data
    assert [pd.Timestamp(e.ts).tz_convert(NY).strftime("%a %H:%M") for e in stale] == [
        "Fri 09:30",
        "Fri 10:30",
    ]
    assert all("stale prices" in e.message for e in stale)
    assert "Fri 11:30" in ran and "Fri 09:30" not in ran and "Fri 10:30" not in ran
    # AAPL: the whole history once, then only Thursday (asked again while it was missing)
    firsts = [pd.Timestamp(int(r.query["period1"]), unit="s", tz="UTC") for r in ranged]
    assert firsts[0] == pd.Timestamp("2023-01-03", tz=NY)
    assert set(firsts[1:]) == {pd.Timestamp("2024-06-27", tz=NY)}
    first = cycles[0]
    assert first.is_decision and len(first.orders) > 0  # it bought the runbook's symbols
    assert first.exposure > 0.5
