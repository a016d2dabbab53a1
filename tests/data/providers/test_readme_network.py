"""The README's "Market data from the network" commands run as written, on a fake Yahoo.

Only where the data comes from differs: ``TRADEWIND__DATA__YFINANCE__URL`` points yfinance at
the fake server and the cache goes to a temporary folder. ``trade`` (an endless wall-clock
loop) and ``pip`` are left out; the service's own test runs the loop on a fake clock.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fake_yahoo import FakeYahoo
from market_truth import Truth
from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
RUNBOOK = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]


def _commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Market data from the network")
    block = re.search(r"```bash\n(.*?)```", text[start:], re.S)
    assert block is not None
    lines = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("tradewind ")]


COMMANDS = _commands()


def test_the_block_is_what_the_section_promises() -> None:
    assert [c[:2] for c in COMMANDS] == [
        ["data", "fetch"], ["data", "show"], ["backtest", "--source"], ["trade", "--mode"],
    ]  # fmt: skip


def test_the_readme_network_commands_run(in_tmp_cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "config", in_tmp_cwd / "config")
    truth = Truth.random([*RUNBOOK, "SPY", "VIX"], start="2015-01-02", end="2024-06-28")
    with FakeYahoo(truth, "2024-06-27") as yahoo:
        monkeypatch.setenv("TRADEWIND__DATA__YFINANCE__URL", yahoo.url)
        monkeypatch.setenv("TRADEWIND__DATA__YFINANCE__MIN_INTERVAL_SECONDS", "0")
        monkeypatch.setenv("TRADEWIND__DATA__CACHE__PATH", str(in_tmp_cwd / "cache"))
        for args in COMMANDS[:3]:
            if args[0] == "backtest":  # as written, on a shorter span to stay quick
                args = [*args[: args.index("--start")], "--start", "2023-06-01"]
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 0, f"tradewind {shlex.join(args)}:\n{result.output}"
    assert (in_tmp_cwd / "cache" / "yfinance" / "1d" / "TSLA.parquet").exists()
    assert pd.Timestamp(int(yahoo.chart_requests("AAPL")[0].query["period1"]), unit="s") < (
        pd.Timestamp("2015-01-03")
    )
