"""The README's worked example for your own files runs as written (with the synthetic stand-ins)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]


def _section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Your own prices (CSV / Parquet)")
    return text[start : text.index("What a file may contain:", start)]


def _argv(command: str) -> list[str]:
    """``tradewind a b  # comment`` as the arguments after ``tradewind``."""
    return shlex.split(command.split("#")[0])[1:]


def test_the_worked_example_runs_as_written(in_tmp_cwd: Path) -> None:
    section = _section()
    (block,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    stand_ins = re.search(r"`(tradewind data export --source synthetic[^`]*)`", section)
    assert stand_ins is not None
    steps = [_argv(stand_ins.group(1))]
    steps += [_argv(line) for line in re.findall(r"^tradewind [^`\n]+$", section, re.M)]
    assert [s[:2] for s in steps] == [
        ["data", "export"],
        ["data", "import"],
        ["data", "show"],
        ["data", "show"],
        ["backtest", "--start"],
    ]
    config = yaml.safe_load((ROOT / "config" / "trading_config.yaml").read_text())
    config["data"] = yaml.safe_load(block)["data"]
    (in_tmp_cwd / "config").mkdir()
    (in_tmp_cwd / "config" / "trading_config.yaml").write_text(yaml.safe_dump(config))

    for args in steps:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"tradewind {shlex.join(args)}:\n{result.output}"

    written = sorted(p.name for p in (in_tmp_cwd / "prices").iterdir())
    assert written == sorted(f"{s}.csv" for s in [*RUNBOOK, "SP500", "VIX"])
