"""Tests never write into the repository's ``logs/`` (nor ``data/``, ``runs/``): a command run
from the repository root with its default configuration logs under the test's tmp folder."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from repokit import LOG_ENV, ROOT, repo_state
from typer.testing import CliRunner

from tradewind.cli.app import app


def test_a_command_run_from_the_repository_logs_under_tmp_not_into_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # where the runbook runs its commands: config/trading_config.yaml
    before = repo_state()
    result = CliRunner().invoke(app, ["data", "show", "AAPL", "--source", "bundled", "-n", "1"])
    assert result.exit_code == 0, result.output
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert repo_state() == before  # logs/trading.log untouched (and data/, runs/)
    log = Path(os.environ[LOG_ENV])
    assert log.is_relative_to(tmp_path)
    assert "tradewind.cli: tradewind " in log.read_text("utf-8")  # it did log, here


def test_the_repository_state_sees_a_new_log_line(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    log = tmp_path / "logs" / "trading.log"
    log.write_text("a\n", encoding="utf-8")
    before = repo_state(tmp_path)
    with log.open("a", encoding="utf-8") as fh:
        fh.write("b\n")
    assert repo_state(tmp_path) != before
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "x.md").write_text("x", encoding="utf-8")
    assert set(repo_state(tmp_path)) == {"logs/trading.log", "runs/x.md"}
