"""``config check`` and the trade refusal name each broker credential that is missing or points
at the other environment (``tradewind.config.broker_credentials``)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tradewind.cli.app import app

NAMES = (
    "ALPACA_API_KEY",
    "ALPACA_SECRET_KEY",
    "WEBULL_APP_KEY",
    "WEBULL_APP_SECRET",
    "WEBULL_EMAIL",
    "WEBULL_PASSWORD",
    "WEBULL_PAPER_TRADING",
    "WEBULL_ACCOUNT_ID",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def _config(tmp_path: Path, broker: str, *, mode: str = "paper", paper: bool = True) -> Path:
    path = tmp_path / "c.yaml"
    data = {
        "trading": {"mode": mode, "symbols": ["AAPL", "MSFT", "NVDA"]},
        "broker": {"name": broker, "paper_trading": paper},
        "database": {"url": f"sqlite:///{tmp_path / 'tw.db'}"},
        "logging": {"path": str(tmp_path / "t.log")},
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _check(config: Path, env_file: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(
        app, ["config", "check", str(config), "--env-file", str(env_file), "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["broker_credentials"]  # type: ignore[no-any-return]


def test_missing_alpaca_keys_are_named(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("ALPACA_API_KEY=PK123\n")

    creds = _check(_config(tmp_path, "alpaca"), env)

    assert creds["required"] == ["ALPACA_API_KEY", "ALPACA_SECRET_KEY"]
    assert [p["variable"] for p in creds["problems"]] == ["ALPACA_SECRET_KEY"]
    assert "add ALPACA_SECRET_KEY=... to .env" in creds["problems"][0]["fix"]


def test_webull_paper_trading_must_agree_with_the_config(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("WEBULL_APP_KEY=k\nWEBULL_APP_SECRET=s\nWEBULL_PAPER_TRADING=false\n")

    creds = _check(_config(tmp_path, "webull"), env)

    (problem,) = creds["problems"]
    assert problem["variable"] == "WEBULL_PAPER_TRADING"
    assert "is false but broker.paper_trading is true" in problem["message"]


def test_the_runbooks_email_and_password_point_to_webull_app(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("WEBULL_EMAIL=me@example.com\nWEBULL_PASSWORD=pw\nWEBULL_PAPER_TRADING=true\n")

    creds = _check(_config(tmp_path, "webull"), env)

    variables = [p["variable"] for p in creds["problems"]]
    assert variables == ["WEBULL_APP_KEY", "WEBULL_APP_SECRET", "WEBULL_EMAIL"]
    assert "broker.name: webull_app" in creds["problems"][-1]["fix"]
    assert _check(_config(tmp_path, "webull_app"), env)["problems"] == []


def test_all_set_says_so_with_the_next_command(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("ALPACA_API_KEY=PK123\nALPACA_SECRET_KEY=abc\n")
    result = CliRunner().invoke(
        app, ["config", "check", str(_config(tmp_path, "alpaca")), "--env-file", str(env)]
    )
    text = " ".join(result.stdout.split())
    assert "Broker credentials for alpaca (paper): all set" in text
    assert "tradewind test-broker --paper" in text
    assert "PK123" not in result.output and "abc" not in result.output.split()


def test_webull_app_is_paper_only(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["config", "check", str(_config(tmp_path, "webull_app", mode="live", paper=False))]
    )
    assert result.exit_code == 2
    assert "trades the app's paper account only" in " ".join(result.output.split())


def test_trade_refuses_before_writing_anything(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["trade", "--config", str(_config(tmp_path, "alpaca")), "--max-cycles", "0"]
    )
    text = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "ALPACA_API_KEY: not set, and broker.name 'alpaca' needs it (paper)" in text
    assert not list(tmp_path.glob("*.db"))


def test_webull_app_in_the_main_environment_says_which_environment_to_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBULL_EMAIL", "+1-5555550100")
    monkeypatch.setenv("WEBULL_PASSWORD", "pw")
    config = _config(tmp_path, "webull_app")
    data = yaml.safe_load(config.read_text("utf-8"))
    listening = socket.create_server(("127.0.0.1", 0))  # the host step needs a listener
    data["broker"]["base_url"] = f"http://127.0.0.1:{listening.getsockname()[1]}"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    try:
        result = CliRunner().invoke(app, ["test-broker", "--config", str(config), "--json"])
    finally:
        listening.close()
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert result.exit_code == 1
    assert "make venv-webull-app" in steps["auth"]["detail"]
