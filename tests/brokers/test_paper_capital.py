"""A paper account that does not hold ``trading.initial_capital``.

The runbook's paper setup writes ``initial_capital: 100000`` and its live setup
``initial_capital: 10000``; a broker's account holds what it holds (Alpaca's paper account
$100k by default, Webull's test accounts their own balances, a live account its deposits).

By default (``trading.larger_account: set_aside``) a larger account trades the capital and the
rest of its cash is set aside: the reports measure the run from the part it trades. With
``whole`` the run trades the whole account as the broker reports it, and the reports must
start from it: a $250,000 account configured with $10,000 once read "+2400%" on its first day.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
import yaml
from test_paper_service import Rig, rig  # noqa: F401 - the fake broker and its service
from typer.testing import CliRunner

from tradewind.cli.app import app


def _configure(rig: Rig, **trading: Any) -> None:  # noqa: F811
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["trading"] |= trading
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")


def _summary(rig: Rig) -> dict[str, Any]:  # noqa: F811
    args = ["report", "summary", "--json", "--mode", "paper", "--config", str(rig.config)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    performance: dict[str, Any] = json.loads(result.stdout)["performance"]
    return performance


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_larger_paper_account_trades_the_capital_and_is_measured_from_it(
    rig: Rig,  # noqa: F811
) -> None:
    _configure(rig, initial_capital=10_000.0)  # trading.larger_account: set_aside by default
    rig.exchange.cash = 250_000.0

    code, out = rig.session(cycles=3)

    assert code == 0 and "RESULT stopped 3 False" in out, out
    assert "$240,000.00 set aside, never traded" in " ".join(out.split())
    bought = rig.exchange.bought()
    assert 0.0 < bought <= 10_000.0 and rig.exchange.cash >= 240_000.0
    db = sqlite3.connect(rig.folder / "tw.db")
    try:
        (initial,) = db.execute("SELECT initial_cash FROM runs WHERE id = 1").fetchone()
        kinds = [k for (k,) in db.execute("SELECT kind FROM events")]
        halts = db.execute("SELECT kind FROM halts").fetchall()
    finally:
        db.close()
    assert initial == pytest.approx(10_000.0) and halts == []
    assert kinds.count("capital_set_aside") == 1 and "starting_capital" not in kinds
    performance = _summary(rig)
    assert performance["final_equity"] == pytest.approx(10_000.0, rel=0.05)
    assert performance["total_return"] == pytest.approx(
        performance["final_equity"] / 10_000.0 - 1.0, abs=1e-9
    )


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_with_whole_reports_measure_the_run_from_the_accounts_equity(
    rig: Rig,  # noqa: F811
) -> None:
    _configure(rig, initial_capital=10_000.0, larger_account="whole")
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
    assert "set aside" not in out
    performance = _summary(rig)
    final = performance["final_equity"]
    assert final == pytest.approx(250_000.0, rel=0.01)  # two cycles: the account, give or take
    assert performance["total_return"] == pytest.approx(final / 250_000.0 - 1.0, abs=1e-9)


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_with_refuse_a_larger_paper_account_is_refused_before_any_order(
    rig: Rig,  # noqa: F811
) -> None:
    _configure(rig, initial_capital=10_000.0, larger_account="refuse")
    rig.exchange.cash = 250_000.0

    code, out = rig.session(cycles=2)

    text = " ".join(out.split())
    assert code == 2 and "REFUSED" in text, out
    assert "the paper account holds $250,000.00 and trading.larger_account is refuse" in text
    assert rig.exchange.order_posts == 0


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_new_run_that_sets_cash_aside_carries_the_breakers_in_proportion(
    rig: Rig,  # noqa: F811
) -> None:
    """Run 1 trades the whole $250k account (90% invested); the user switches to ``set_aside``
    (a new run on the same account): run 2 sets aside the cash beyond $10k it can (its shares
    stay in the run), and the breakers carried from run 1 move with the cash set aside as with
    a withdrawal: run 2 starts where run 1 stood in proportion, not below its peak by it."""
    _configure(rig, initial_capital=10_000.0, larger_account="whole")
    rig.exchange.cash = 250_000.0
    code, out = rig.session(cycles=2)
    assert code == 0 and "RESULT stopped 2 False" in out, out
    _configure(rig, larger_account="set_aside")

    code, out = rig.session(cycles=2)

    assert code == 0 and "RESULT stopped 2 False" in out, out
    assert "(new)" in out and "set aside, never traded" in out
    db = sqlite3.connect(rig.folder / "tw.db")
    try:
        rows = dict(db.execute("SELECT key, value FROM state WHERE key IN (?, ?, ?)",
                               ("service.checkpoint.run-1", "service.risk-seed.run-2",
                                "service.baseline.run-2")).fetchall())  # fmt: skip
        (initial,) = db.execute("SELECT initial_cash FROM runs WHERE id = 2").fetchone()
        halts = db.execute("SELECT kind FROM halts").fetchall()
    finally:
        db.close()
    assert halts == []
    reserved = json.loads(rows["service.baseline.run-2"])["reserved_cash"]
    assert 5_000.0 < reserved < 50_000.0  # the cash run 1 left uninvested
    before = json.loads(rows["service.checkpoint.run-1"])["risk"]["tracker"]
    seed = json.loads(rows["service.risk-seed.run-2"])["tracker"]
    assert seed["last_equity"] == pytest.approx(before["last_equity"] - reserved)
    assert seed["last_equity"] == pytest.approx(initial, rel=1e-3)  # run 2's own equity
    ratio = seed["last_equity"] / before["last_equity"]
    assert seed["peak_equity"] == pytest.approx(before["peak_equity"] * ratio)
