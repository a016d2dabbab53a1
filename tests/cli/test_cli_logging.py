"""Every command that does work writes the rotating log file named by ``logging.path``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "config" / "demo.yaml")
COMMANDS = {
    "optimize": ["optimize", "--source", "bundled", "--asof", "2020-06-30", "--symbols", "AAPL,KO"],
    "regime now": ["regime", "now", "--source", "bundled", "--asof", "2020-03-16"],
    "data show": ["data", "show", "AAPL", "--source", "bundled", "-n", "2"],
    "data list": ["data", "list", "--source", "bundled"],
    "backtest": ["backtest", "--start", "2022-09-01"],
    "sweep": ["sweep", "--set", "portfolio_optimization.method=hrp", "--start", "2022-09-01",
              "--processes", "1"],
}  # fmt: skip


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_command_logs_to_the_configured_file(name: str, tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "trading.log"
    env = {
        "TRADEWIND__LOGGING__PATH": str(log_file),
        "TRADEWIND__DATABASE__URL": f"sqlite:///{tmp_path / 'tw-{mode}.db'}",  # backtest records
    }
    args = [*COMMANDS[name], "--config", DEMO]
    if name in ("backtest", "sweep"):
        args += ["--out", str(tmp_path / "run")]
    result = CliRunner(env=env).invoke(app, args)
    assert result.exit_code == 0, result.output
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert "INFO    tradewind.cli: tradewind " in text
    assert f"(config {DEMO})" in text


def test_warnings_reach_stderr_and_the_file_but_not_stdout(tmp_path: Path) -> None:
    log_file = tmp_path / "trading.log"
    runner = CliRunner(env={"TRADEWIND__LOGGING__PATH": str(log_file)})
    folder = tmp_path / "prices"
    export = ["data", "export", "--source", "bundled", "--symbols", "SP500", "--to", str(folder)]
    assert runner.invoke(app, [*export, "--config", DEMO]).exit_code == 0
    args = ["data", "show", "VIX", "--data", str(folder), "--json", "--config", DEMO]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    warning = "VIX level is empty; kept as NaN"
    assert "WARNING: " in result.stderr and warning in result.stderr
    assert warning not in result.stdout
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert f"WARNING tradewind.data.files: {folder / 'VIX.csv'}" in log_file.read_text()
