"""Money taken out of a larger account whose excess cash is set aside
(``trading.larger_account: set_aside``; :mod:`tradewind.orders.reserve` rule 3): the fake
Alpaca debits a withdrawal (``CSW``) between two cycles of the paper service; reconciliation
halts on the broker's cash less the reserve; once a person resumes, the withdrawal comes out
of the reserve and the run's book, equity and returns are untouched (no capital flow). The
dashboard's Portfolio tab and ``tradewind status`` show the reserve that is left."""

from __future__ import annotations

import sqlite3

import pytest
import yaml
from test_deposit_session import _events, _halted_on_the_difference, _records, _resume
from test_paper_service import Rig, dashboard_captions, rig  # noqa: F401 - the fake broker
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.orders.account import Baseline
from tradewind.service.checkpoint import load_baseline
from tradewind.store import Store


def _baseline(rig: Rig) -> Baseline:  # noqa: F811
    with Store(load_config(rig.config).database_url, mode=None) as db:
        baseline = load_baseline(db, 1)
    assert baseline is not None
    return baseline


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_withdrawal_smaller_than_the_reserve_comes_out_of_it_not_the_run(
    rig: Rig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["trading"]["initial_capital"] = 10_000.0
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")
    rig.exchange.cash = 250_000.0

    _halted_on_the_difference(rig, "CSW", -5_000.0)
    db = sqlite3.connect(rig.folder / "tw.db")
    try:
        (details,) = db.execute("SELECT details FROM halts").fetchone()
    finally:
        db.close()
    assert "beyond the $240,000.00 set aside" in details and "difference -5,000" in details
    _resume(rig)
    code, out = rig.session(cycles=3)

    assert code == 0 and "RESULT stopped 3 False" in out, out
    baseline = _baseline(rig)
    assert baseline.reserved_cash == pytest.approx(235_000.0)
    assert baseline.flows == ()  # not the run's money: no flow
    assert _events(rig.folder, "capital_flow") == []
    (adopted,) = _events(rig.folder, "reconciliation_adopted")
    assert "$5,000.00 of the cash that left was taken from the cash set aside" in adopted
    performance = _records(rig).summary().performance
    assert performance.final_equity == pytest.approx(10_000.0, rel=0.05)
    assert abs(performance.total_return) < 0.05  # not -50% for $5k out of a $10k run
    bought = rig.exchange.bought()
    assert 0.0 < bought <= 10_000.0 and rig.exchange.cash >= 235_000.0
    status = CliRunner().invoke(app, ["status", "--config", str(rig.config)])
    assert "set aside $235,000.00 of the broker's cash" in " ".join(status.output.split())
    shown = dashboard_captions(rig.config, monkeypatch, "Portfolio")
    assert "$235,000 of the broker's cash is set aside, never traded" in shown


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_shares_the_account_already_holds_count_toward_the_capital(rig: Rig) -> None:  # noqa: F811
    """$250k of cash and 25 AAA (a traded symbol) with $10k configured: the cash set aside
    leaves the run $10k with the shares, once the first start's reconciliation halt
    (``broker.on_start_difference: halt``) is resumed and the shares adopted into the run."""
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["trading"]["initial_capital"] = 10_000.0
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")
    rig.exchange.cash = 250_000.0
    rig.exchange.positions = {"AAA": 25.0}
    shares = 25.0 * rig.exchange.prices["AAA"]

    code, out = rig.session(cycles=1, max_hours=2)
    assert code == 0 and "RESULT stopped 0 True" in out, out
    _resume(rig)
    code, out = rig.session(cycles=2)

    assert code == 0 and "RESULT stopped 2 False" in out, out
    baseline = _baseline(rig)
    assert baseline.reserved_cash == pytest.approx(250_000.0 + shares - 10_000.0, abs=1.0)
    assert baseline.positions["AAA"][0] == 25.0
    assert baseline.cash + shares == pytest.approx(10_000.0, abs=1.0)  # prices to the cent
