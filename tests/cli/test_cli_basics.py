"""The command line as a user meets it: help, config check, data inspection, friendly errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("config", "data", "optimize", "backtest", "sweep", "regime", "risk"):
        assert command in result.output


def test_config_check_json_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBULL_PASSWORD", "pw-that-must-not-print")
    result = runner.invoke(
        app, ["config", "check", str(ROOT / "config" / "trading_config.yaml"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "pw-that-must-not-print" not in result.output
    payload = json.loads(result.stdout)
    assert payload["valid"] is True
    assert payload["config"]["trading"]["mode"] == "simulated"
    assert payload["secrets_present"]["WEBULL_PASSWORD"] is True


def test_config_check_refuses_a_bad_file_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("portfolio_optimization:\n  rebalancing:\n    drift_threshold: 1.5\n")
    result = runner.invoke(app, ["config", "check", str(bad)])
    assert result.exit_code == 2
    assert "drift_threshold must be in (0, 1], was 1.5" in _flat(result.output)


def test_data_show_json_has_session_close_stamps() -> None:
    result = runner.invoke(
        app,
        [
            "data",
            "show",
            "AAPL",
            "--source",
            "bundled",
            "--start",
            "2019-11-25",
            "--end",
            "2019-11-29",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    bars = json.loads(result.stdout)["bars"]
    assert [b["timestamp"] for b in bars][-1] == "2019-11-29T18:00:00+00:00"  # 13:00 ET
    assert len(bars) == 4  # Thanksgiving is closed


def test_unknown_symbol_is_a_data_error_with_exit_3() -> None:
    result = runner.invoke(app, ["data", "show", "aapl", "--source", "bundled"])
    assert result.exit_code == 3
    assert "did you mean 'AAPL'" in _flat(result.output)


def test_outside_the_repository_the_defaults_apply_with_a_warning(in_tmp_cwd: Path) -> None:
    result = runner.invoke(app, ["data", "list", "--source", "synthetic", "--json"])
    assert result.exit_code == 0, result.output
    assert "using the built-in defaults" in _flat(result.output)


def test_missing_explicit_config_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "list", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "does not exist" in _flat(result.output)


def test_optimize_and_regime_now_run_on_your_files(tmp_path: Path) -> None:
    folder = tmp_path / "prices"
    exported = runner.invoke(
        app,
        [
            "data",
            "export",
            "--source",
            "bundled",
            "--to",
            str(folder),
            "--symbols",
            "AAPL,MSFT,KO,SP500",
            "--start",
            "2017-01-01",
            "--end",
            "2020-12-31",
        ],
    )
    assert exported.exit_code == 0, exported.output
    args = ["--asof", "2020-06-30", "--symbols", "AAPL,MSFT,KO", "--method", "min_variance"]
    on_files = runner.invoke(app, ["optimize", "--data", str(folder), *args, "--json"])
    bundled = runner.invoke(app, ["optimize", "--source", "bundled", *args, "--json"])
    assert on_files.exit_code == 0, on_files.output
    mine, theirs = json.loads(on_files.stdout), json.loads(bundled.stdout)
    assert mine["source"] == "files"
    assert mine["weights"] == theirs["weights"]
    now = runner.invoke(app, ["regime", "now", "--data", str(folder), "--asof", "2020-03-16"])
    assert now.exit_code == 0, now.output
    assert "VOLATILE" in now.stdout


def test_a_bad_date_is_a_clear_error_not_a_traceback() -> None:
    result = runner.invoke(
        app, ["backtest", "-c", str(ROOT / "config" / "demo.yaml"), "--start", "notadate"]
    )
    assert result.exit_code == 2
    assert "'notadate' is not a date; use YYYY-MM-DD" in _flat(result.output)
