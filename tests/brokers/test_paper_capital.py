"""A paper account that does not hold ``trading.initial_capital``: the run's returns are
measured from what the account held when the run started, not from the configured capital.

The runbook's paper setup writes ``initial_capital: 100000`` and its live setup
``initial_capital: 10000``; a broker's account holds what it holds (Alpaca's paper account
$100k by default, Webull's test accounts their own balances, a live account its deposits).
tradewind trades the account as the broker reports it, so the reports must start from it:
a $250,000 account configured with $10,000 once read "+2400%" on its first day.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
import yaml
from test_paper_service import Rig, rig  # noqa: F401 - the fake broker and its service
from typer.testing import CliRunner

from tradewind.cli.app import app


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_reports_measure_the_run_from_the_accounts_equity(rig: Rig) -> None:  # noqa: F811
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["trading"]["initial_capital"] = 10_000.0
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")
    rig.exchange.cash = 250_000.0

    code, out = rig.session(cycles=2)

    assert code == 0 and "RESULT stopped 2 False" in out, out
    db = sqlite3.connect(rig.folder / "tw.db")
    try:
        (initial,) = db.execute("SELECT initial_cash FROM runs WHERE id = 1").fetchone()
        events = db.execute("SELECT severity, message FROM events WHERE kind = ?",
                            ("starting_capital",)).fetchall()  # fmt: skip
    finally:
        db.close()
    assert initial == pytest.approx(250_000.0)
    assert [e[0] for e in events] == ["info"]
    assert "starts from the account's equity $250,000.00" in events[0][1]
    assert "trading.initial_capital $10,000.00" in events[0][1]
    args = ["report", "summary", "--json", "--mode", "paper", "--config", str(rig.config)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    performance = json.loads(result.stdout)["performance"]
    final = performance["final_equity"]
    assert final == pytest.approx(250_000.0, rel=0.01)  # two cycles: the account, give or take
    assert performance["total_return"] == pytest.approx(final / 250_000.0 - 1.0, abs=1e-9)
