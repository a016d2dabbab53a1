"""Live smoke tests against the real brokers' paper/test environments: skipped unless the
broker's credentials are in the environment (the only skips in the suite).

Run them with, for example::

    ALPACA_API_KEY=... ALPACA_SECRET_KEY=... .venv/bin/pytest -q tests/brokers/test_live_smoke.py
    WEBULL_APP_KEY=... WEBULL_APP_SECRET=... WEBULL_PAPER_TRADING=true \
        .venv/bin/pytest -q tests/brokers/test_live_smoke.py

Each runs ``tradewind test-broker --paper --json`` in a subprocess (the test process itself
keeps to loopback, as every test does); ``TRADEWIND_SMOKE_TEST_ORDER=yes`` adds
``--place-test-order`` (a 1-share limit buy at $1.00, canceled at once, in paper only).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REQUIRED = {
    "alpaca": ("ALPACA_API_KEY", "ALPACA_SECRET_KEY"),
    "webull": ("WEBULL_APP_KEY", "WEBULL_APP_SECRET"),
}


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_paper_account_answers(name: str, tmp_path: Path) -> None:
    missing = [v for v in REQUIRED[name] if not os.environ.get(v)]
    if missing:
        pytest.skip(f"live smoke test of {name}: set {', '.join(missing)} to run it")
    config = tmp_path / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "trading": {"mode": "paper", "symbols": ["AAPL", "MSFT", "NVDA"]},
                "broker": {"name": name, "paper_trading": True},
                "database": {"url": f"sqlite:///{tmp_path / 'tw.db'}"},
                "logging": {"path": str(tmp_path / "t.log")},
            }
        ),
        encoding="utf-8",
    )
    args = [sys.executable, "-m", "tradewind.cli", "test-broker", "--paper", "--json"]
    if os.environ.get("TRADEWIND_SMOKE_TEST_ORDER", "").lower() == "yes":
        args.append("--place-test-order")
    proc = subprocess.run(
        [*args, "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    payload = json.loads(proc.stdout)
    failed = [s for s in payload["steps"] if s["status"] == "fail"]
    assert proc.returncode == 0 and not failed, failed
