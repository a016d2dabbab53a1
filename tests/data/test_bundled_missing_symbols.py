"""The runbook's configuration snippet has no ``data:`` section, so it reads the bundled data,
which holds only two of its seven symbols: the refusal names every missing symbol at once and
the settings that fix it, not only the first one."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from tradewind.cli.app import app

RUNBOOK_SYMBOLS = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]


def test_the_runbook_s_symbols_on_bundled_data_are_refused_with_the_fix(tmp_path: Path) -> None:
    config = tmp_path / "trading_config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "trading": {"mode": "simulated", "symbols": RUNBOOK_SYMBOLS},
                "database": {"url": f"sqlite:///{tmp_path / 'tw-{mode}.db'}"},
                "logging": {"path": str(tmp_path / "trading.log")},
            }
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["backtest", "--config", str(config), "--no-record"])
    text = " ".join(result.output.split())
    assert result.exit_code == 3, text
    assert "[GOOGL, AMZN, NVDA, META, TSLA] not in the bundled data" in text
    assert "available: AAPL" in text and "data.source: synthetic" in text
    assert "yfinance" in text
