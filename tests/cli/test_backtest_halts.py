"""A backtest's summary says how often the stops fired, which settings latched halts, when a halt
kept it out of the market, and how to simulate a resume; the runbook's own settings on the
synthetic market halt on a crash day."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
RESUME = "TRADEWIND__RISK_MANAGEMENT__CIRCUIT_BREAKER__BACKTEST_RESUME_SESSIONS"


def _backtest(tmp_path: Path, **env: str) -> str:
    args = ["backtest", "--config", str(ROOT / "config" / "trading_config.yaml")]
    args += ["--start", "2010-01-04", "--end", "2011-06-30", "--out", str(tmp_path / "run")]
    env = {
        "TRADEWIND__LOGGING__PATH": str(tmp_path / "log"),
        "TRADEWIND__DATABASE__URL": f"sqlite:///{tmp_path / 'tw-{mode}.db'}",
        **env,
    }
    result = CliRunner(env=env).invoke(app, args)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


@pytest.mark.parametrize("resume", ["null", None])
def test_the_summary_tells_what_a_halt_did(tmp_path: Path, resume: str | None) -> None:
    text = _backtest(tmp_path, **({RESUME: resume} if resume else {}))
    assert "note: Synthetic market (seed 7): not real prices." in text
    assert "stop exit(s)," in text and "a month (trailing max(3.0%, 2 x ATR(14))" in text
    if resume == "null":  # nobody resumes
        assert "1 latched halt(s): 1 by risk_management.daily_loss_limit; 0 resumed." in text
        assert "Trading HALTED on 2011-01-04 (daily loss" in text
        assert "and never resumed: nothing was bought in the last" in text
        assert "backtest_resume_sessions: N simulates a human resuming" in text
    else:  # the shipped config resumes five sessions later
        assert (
            "3 latched halt(s): 2 by risk_management.daily_loss_limit, 1 by "
            "risk_management.circuit_breaker.consecutive_losses; 3 resumed (simulated: "
            "circuit_breaker.backtest_resume_sessions)."
        ) in text
        assert "never resumed" not in text
        assert "tradewind config check compares the stop distances" in text  # 2.3 a month
