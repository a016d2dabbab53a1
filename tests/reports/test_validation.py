"""The runbook's validation scripts, verbatim: ``python scripts/test_portfolio_optimization.py``
and ``python scripts/test_advanced_portfolio_validation.py`` check the user's configuration and
print PASS/FAIL per check and the score (``basic: 4/4``); the suites' checks fail when their
condition does not hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from repokit import LOG_ENV

from tradewind.config import load_config
from tradewind.data import get_market_data
from tradewind.review.validation import advanced_suite, basic_suite

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "demo.yaml"


def _script(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ),
        timeout=600,
        check=False,
    )


def test_the_basic_script_prints_each_check_and_the_score(tmp_path: Path) -> None:
    proc = _script("test_portfolio_optimization.py", "--config", str(DEMO), cwd=tmp_path)
    out = " ".join(proc.stdout.split())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert out.count("PASS ") == 4 and "basic: 4/4" in out
    assert "caps hold in every regime" in out and "BEAR 20.0%/20% each" in out
    log = Path(os.environ[LOG_ENV]).read_text("utf-8")  # the script logs its sub-command
    assert "test_portfolio_optimization.py (tradewind validate basic) --config" in log


def test_the_advanced_script_runs_its_four_checks(tmp_path: Path) -> None:
    args = ("--config", str(DEMO), "--years", "0.5", "--json")
    proc = _script("test_advanced_portfolio_validation.py", *args, cwd=tmp_path)
    payload = json.loads(proc.stdout)
    assert payload["suite"] == "advanced" and len(payload["checks"]) == 4
    assert proc.returncode == (0 if payload["passed"] == 4 else 1)
    assert payload["score"] == f"advanced: {payload['passed']}/4"
    names = [c["check"] for c in payload["checks"]]
    assert names[0] == "the regime detector finds every regime in the history"
    assert payload["checks"][3]["passed"]  # the guarded backtest made identical decisions


def test_a_cap_the_optimizer_cannot_meet_fails_the_basic_suite() -> None:
    cfg = load_config(DEMO, env={})
    provider = get_market_data(cfg)
    asof = pd.Timestamp("2022-06-30 20:00", tz="UTC")
    assert basic_suite(cfg, provider, asof).passed == 4
    tight = cfg.model_copy(
        update={"readiness": cfg.readiness.model_copy(update={
            "paper": cfg.readiness.paper.model_copy(update={"max_monthly_costs": 0.0005})})}
    )  # fmt: skip
    suite = basic_suite(tight, provider, asof)
    costs = suite.checks[3]
    assert not costs.passed and suite.score == "basic: 3/4" and "0.05%" in costs.name


def test_the_advanced_suite_fails_a_drawdown_beyond_the_threshold() -> None:
    cfg = load_config(DEMO, env={})
    strict = cfg.model_copy(
        update={"readiness": cfg.readiness.model_copy(update={
            "paper": cfg.readiness.paper.model_copy(update={"max_drawdown": 0.001})})}
    )  # fmt: skip
    provider = get_market_data(cfg)
    end = pd.Timestamp("2022-06-30 20:00", tz="UTC")
    seen: list[str] = []
    suite = advanced_suite(strict, provider, end - pd.Timedelta(days=120), end, seen.append)
    assert not suite.checks[2].passed and "max drawdown" in suite.checks[2].detail
    assert len(seen) == 3  # progress: regimes, the backtest, the guarded backtest


@pytest.mark.parametrize("suite", ["nope"])
def test_an_unknown_suite_is_refused(suite: str) -> None:
    from typer.testing import CliRunner

    from tradewind.cli.app import app

    result = CliRunner().invoke(app, ["validate", suite, "--config", str(DEMO)])
    assert result.exit_code == 2 and "basic or advanced" in result.stderr
