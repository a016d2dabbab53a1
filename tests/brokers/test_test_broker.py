"""``tradewind test-broker`` (and the runbook's ``scripts/test_broker_connection.py``) against
the fake brokers: a PASS/FAIL line per step, each failure with its fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import fake_alpaca_broker
import fake_webull_broker
import pytest
import yaml
from brokerkit import PRICES
from exchange import Exchange
from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
CREDS = {
    "alpaca": {
        "ALPACA_API_KEY": fake_alpaca_broker.KEY,
        "ALPACA_SECRET_KEY": fake_alpaca_broker.SECRET,
    },
    "webull": {
        "WEBULL_APP_KEY": fake_webull_broker.APP_KEY,
        "WEBULL_APP_SECRET": fake_webull_broker.APP_SECRET,
        "WEBULL_PAPER_TRADING": "true",
    },
}


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for names in CREDS.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _config(tmp_path: Path, name: str, url: str) -> Path:
    path = tmp_path / "c.yaml"
    data = {
        "trading": {"mode": "paper", "symbols": sorted(PRICES)},
        "broker": {"name": name, "paper_trading": True, "base_url": url, "timeout_seconds": 2},
        "database": {"url": f"sqlite:///{tmp_path / 'tw.db'}"},
        "logging": {"path": str(tmp_path / "t.log")},
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _run(config: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["test-broker", "--config", str(config), "--json", *args])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("name", ["alpaca", "webull"])
def test_every_step_passes_with_good_credentials(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ex = Exchange(PRICES)
    ex.positions = {"AAPL": 3.0}
    server = fake_alpaca_broker.serve(ex) if name == "alpaca" else fake_webull_broker.serve(ex)
    for k, v in CREDS[name].items():
        monkeypatch.setenv(k, v)
    try:
        code, payload = _run(_config(tmp_path, name, server.url), "--paper")
    finally:
        server.stop()

    steps = {s["step"]: s for s in payload["steps"]}
    assert code == 0 and payload["ok"] is True
    assert list(steps) == ["credentials", "host", "auth", "account", "positions", "market clock"]
    assert all(s["status"] == "pass" for s in steps.values())
    assert "cash $100,000.00" in steps["account"]["detail"]
    assert "AAPL 3" in steps["positions"]["detail"]


def test_the_test_order_is_placed_and_canceled_in_paper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ex = Exchange(PRICES)
    server = fake_alpaca_broker.serve(ex)
    for k, v in CREDS["alpaca"].items():
        monkeypatch.setenv(k, v)
    try:
        code, payload = _run(_config(tmp_path, "alpaca", server.url), "--place-test-order")
    finally:
        server.stop()

    order = payload["steps"][-1]
    assert code == 0 and order["step"] == "test order" and order["status"] == "pass"
    ((cid, (status, filled)),) = ex.snapshot()["orders"].items()
    assert cid.startswith("twtest-") and len(cid) <= 32
    assert (status, filled) == ("canceled", 0.0)


def test_missing_credentials_fail_first_with_the_fix(tmp_path: Path) -> None:
    code, payload = _run(_config(tmp_path, "alpaca", "http://127.0.0.1:9"))

    first, *rest = payload["steps"]
    assert code == 1 and first["status"] == "fail"
    assert "ALPACA_API_KEY" in first["detail"] and "add ALPACA_API_KEY=... to .env" in first["fix"]
    assert {s["status"] for s in rest} == {"skipped"}


def test_wrong_keys_fail_auth_naming_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fake_webull_broker.serve(Exchange(PRICES))
    monkeypatch.setenv("WEBULL_APP_KEY", fake_webull_broker.APP_KEY)
    monkeypatch.setenv("WEBULL_APP_SECRET", "not-the-secret")
    try:
        code, payload = _run(_config(tmp_path, "webull", server.url))
    finally:
        server.stop()

    auth = {s["step"]: s for s in payload["steps"]}["auth"]
    assert code == 1 and auth["status"] == "fail"
    assert "INVALID_SIGNATURE" in auth["detail"]
    assert "test-environment app key" in auth["fix"] and "approved" in auth["fix"]


def test_an_unreachable_host_fails_the_host_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in CREDS["alpaca"].items():
        monkeypatch.setenv(k, v)
    server = fake_alpaca_broker.serve(Exchange(PRICES))
    url = server.url
    server.stop()  # nothing listens there now

    code, payload = _run(_config(tmp_path, "alpaca", url))

    host = payload["steps"][1]
    assert code == 1 and host["step"] == "host" and host["status"] == "fail"
    assert "broker.base_url" in host["fix"]


def test_the_runbooks_script_prints_a_line_per_step(tmp_path: Path) -> None:
    server = fake_alpaca_broker.serve(Exchange(PRICES))
    env = {**os.environ, **CREDS["alpaca"], "COLUMNS": "200"}
    try:
        proc = subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "test_broker_connection.py"),
                "--paper",
                "--config",
                str(_config(tmp_path, "alpaca", server.url)),
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASS") == 6 and "all steps passed" in proc.stdout
