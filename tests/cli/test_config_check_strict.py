"""``config check`` leads with what matters: a valid file that ``tradewind trade`` would refuse
(missing broker credentials in paper/live mode) says so on its first line, before the tree;
the exit code stays 0 unless ``--strict`` is given (runbook audit, item F)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.cli.config_cmd import EXIT_TRADE_WOULD_REFUSE

CREDENTIALS = ("ALPACA_API_KEY", "ALPACA_SECRET_KEY", "WEBULL_APP_KEY", "WEBULL_APP_SECRET")
REFUSES = "Configuration is valid, but `tradewind trade` will refuse to start (trading.mode paper):"


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)


def _config(folder: Path, mode: str) -> Path:
    data = {
        "trading": {"mode": mode, "symbols": ["AAPL", "MSFT", "NVDA"]},
        "broker": {"name": "alpaca", "paper_trading": True},
        "database": {"url": f"sqlite:///{folder / 'tw-{mode}.db'}"},
        "logging": {"path": str(folder / "trading.log")},
    }
    path = folder / f"{mode}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _check(config: Path, env: Path, *extra: str) -> tuple[int, str, str]:
    args = ["config", "check", str(config), "--env-file", str(env), "--no-prices", *extra]
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def test_paper_without_credentials_leads_with_the_refusal_and_strict_exits_1(
    tmp_path: Path,
) -> None:
    env = tmp_path / ".env"
    env.write_text("ALPACA_API_KEY=PK123\n", encoding="utf-8")
    config = _config(tmp_path, "paper")

    code, out, err = _check(config, env)

    assert code == 0
    lines = out.splitlines()
    assert lines[0] == REFUSES
    assert lines[1].startswith("  - broker credentials (alpaca, paper): ALPACA_SECRET_KEY: not set")
    assert lines.index("trading_config") > 1  # the tree comes after the verdict
    assert "ALPACA_API_KEY" not in " ".join(lines[:3])  # only what is missing is named
    assert "error: broker credentials (alpaca, paper): ALPACA_SECRET_KEY" in " ".join(err.split())
    assert "PK123" not in out + err
    code, strict_out, _ = _check(config, env, "--strict")
    assert code == EXIT_TRADE_WOULD_REFUSE == 1 and strict_out.splitlines()[0] == REFUSES
    code, as_json, _ = _check(config, env, "--strict", "--json")
    payload = json.loads(as_json)
    assert code == 1 and payload["valid"] is True
    assert [r.split(": ")[1] for r in payload["trade_would_refuse"]] == ["ALPACA_SECRET_KEY"]
    # what the verdict says is what trade does
    refused = CliRunner().invoke(
        app, ["trade", "--config", str(config)], env={"ALPACA_API_KEY": "PK123"}
    )
    assert refused.exit_code == 2 and "ALPACA_SECRET_KEY: not set" in " ".join(
        refused.output.split()
    )


@pytest.mark.parametrize("mode", ["paper", "simulated"])
def test_nothing_that_stops_trade_is_plainly_valid_and_strict_exits_0(
    tmp_path: Path, mode: str
) -> None:
    env = tmp_path / ".env"
    keys = "ALPACA_API_KEY=PK123\nALPACA_SECRET_KEY=abc\n" if mode == "paper" else ""
    env.write_text(keys, encoding="utf-8")  # simulated: credentials missing, not needed
    config = _config(tmp_path, mode)

    code, out, _ = _check(config, env, "--strict")

    assert code == 0
    assert out.splitlines()[0] == "Configuration is valid"
    code, as_json, _ = _check(config, env, "--strict", "--json")
    assert code == 0 and json.loads(as_json)["trade_would_refuse"] == []
