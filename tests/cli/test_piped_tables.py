"""Tables printed where the output is not a terminal (cron, a pipe, ``tee``) keep their words:
``orders`` and ``retrain --monitoring-status`` read through a pipe show full statuses, fills
and reasons, not rich's 80-column "…" (runbook audit, item B)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clikit import write_config
from rich.console import Console
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.cli.consoles import PIPED_WIDTH, CommandConsole

REPLAY = "2020-01-02:2020-02-28"
_TERMINAL_ENV = ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


def piped(*args: str) -> subprocess.CompletedProcess[str]:
    """``tradewind ARGS`` in a new process, stdin, stdout and stderr none of them a terminal
    and no ``COLUMNS``: what cron or ``tradewind ... | tee`` sees."""
    env = {k: v for k, v in os.environ.items() if k not in _TERMINAL_ENV}
    return subprocess.run(
        [sys.executable, "-m", "tradewind.cli", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_orders_through_a_pipe_show_full_statuses_fills_and_reasons(tmp_path: Path) -> None:
    config = str(write_config(tmp_path, execution={"fill_price": "close"}))
    replay = CliRunner().invoke(app, ["trade", "--config", config, "--replay", REPLAY])
    assert replay.exit_code == 0, replay.output
    done = piped("orders", "--config", config, "--limit", "200")
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    rows = [line for line in done.stdout.splitlines() if "-B0" in line or "-S0" in line]
    assert rows
    for row in rows:  # one line per order: id, status, "quantity @ price" and reason whole
        cells = [c.strip() for c in row.split("│")[1:-1]]
        assert cells[3] in ("filled", "rejected", "canceled"), row
        assert cells[4] == "-" or " @ " in cells[4], row
        assert cells[5] in ("rebalance", "stop:trailing", "halt") or ":" in cells[5], row
    assert any(line.split("│")[6].strip() == "rebalance" for line in rows)


def test_monitoring_status_through_a_pipe_shows_every_column_whole(tmp_path: Path) -> None:
    ml = {
        "models": ["ridge"],
        "registry_path": str(tmp_path / "models"),
        "train_years": 6.0,
        "min_train_years": 3.0,
        "validation_years": 2.0,
    }
    config = write_config(tmp_path, ml=ml)
    trained = CliRunner().invoke(
        app, ["retrain", "--config", str(config), "--models", "ridge", "--deploy"]
    )
    assert trained.exit_code == 0, trained.output
    done = piped("retrain", "--config", str(config), "--monitoring-status")
    assert done.returncode in (0, 1), done.stderr  # 1: not healthy, still a full report
    assert "…" not in done.stdout
    header = next(line for line in done.stdout.splitlines() if "model" in line and "┃" in line)
    for title in ("trained on", "age (days)", "drifted features", "prediction PSI", "status"):
        assert title in header
    row = next(line for line in done.stdout.splitlines() if line.startswith("│ ridge"))
    status = row.split("│")[-2].strip()
    assert status in ("healthy", "degraded", "stale"), row
    assert " to 2020-12-31" in row


def test_a_terminal_keeps_rich_s_size_and_columns_still_decides() -> None:
    terminal = CommandConsole(force_terminal=True, _environ={})
    assert terminal.width == Console(force_terminal=True, _environ={}).width
    assert CommandConsole(force_terminal=False, _environ={"COLUMNS": "70"}).width == 70
    assert CommandConsole(force_terminal=False, _environ={}).width >= PIPED_WIDTH
