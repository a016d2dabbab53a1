"""A live Alpaca account is credited a dividend with no fill (Alpaca's paper accounts never are,
https://alpaca.markets/deprecated/docs/trading-on-alpaca/paper-trading/; the fake credits one as
live would): the paper service against the loopback Alpaca books it from
``/v2/account/activities`` instead of halting, raises the run's baseline cash (so the run's P&L
counts it), records a ``cash_income`` event, and never books it twice, across a restart too.
Cash the activities do not explain (a deposit) still halts, and so does a dividend on a broker
that cannot list activities (Webull's OpenAPI)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from exchange import Fault
from test_paper_service import (  # noqa: F401 - the fake broker and its service
    Rig,
    _alpaca_fees,
    _fee_events,
    _store,
    dashboard_captions,
    rig,
)
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.orders.account import Baseline
from tradewind.service.checkpoint import load_baseline
from tradewind.store import Store

START = 100_000.0


def _income_events(folder: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(folder / "tw.db")
    try:
        rows = db.execute(
            "SELECT message, data FROM events WHERE kind = 'cash_income' ORDER BY id"
        ).fetchall()
    finally:
        db.close()
    return [(str(m), str(d)) for m, d in rows]


def _baseline_and_books(rig: Rig) -> tuple[Baseline, float, float]:  # noqa: F811
    """The run's baseline, its starting capital and the cash of its last cycle."""
    with Store(load_config(rig.config).database_url, mode=None) as db:
        baseline = load_baseline(db, 1)
        initial = db.run(1).initial_cash
        last = db.equity_curve(1)[-1]
    assert baseline is not None
    return baseline, initial, last.cash


def _credit_during(
    rig: Rig,  # noqa: F811
    request: tuple[str, str, int],
    activity_type: str,
    amount: float,
    symbol: str | None = None,
) -> None:
    """Credit the cash when the service sends ``request`` (method, path, matching requests to
    let through first), before the broker answers it."""
    method, path, skip = request
    share = 0.25 if activity_type == "DIV" else None
    rig.exchange.fail_next(
        Fault(
            "hook",
            method,
            path,
            hook=lambda: rig.exchange.credit(activity_type, amount, symbol, per_share=share),
            skip=skip,
        )
    )


SECOND_CYCLE = ("GET", "/v2/positions", 3)
"""The fake Alpaca's fourth positions request: at 14:30, the service's second cycle, before it
reads the cash (start-up at 14:00: the first start values the account for
``trading.larger_account``, then reconciles; first cycle at 14:00)."""


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_dividend_is_booked_not_halted_and_never_twice(
    rig: Rig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _credit_during(rig, SECOND_CYCLE, "DIV", 12.34, "AAA")

    code, out = rig.session(cycles=3)

    assert code == 0 and "RESULT stopped 3 False" in out, out
    assert _store(rig.folder)["halts"] == []
    (entry,) = rig.exchange.activities
    assert entry.created.isoformat() == "2020-06-01T14:30:00+00:00"  # between two cycles
    events = _income_events(rig.folder)
    assert len(events) == 1 and events[0][0].startswith("dividend AAA $12.34 (2020-06-01, DIV)")
    assert "booked" in events[0][0] and entry.activity_id in events[0][1]
    baseline, initial, cash = _baseline_and_books(rig)
    assert baseline.income == pytest.approx(12.34)
    assert baseline.income_ids == (entry.activity_id,)
    assert baseline.cash == pytest.approx(START + 12.34)
    # the run's P&L is measured from its starting capital, which stays what the account held;
    # the book's cash (and so its equity) holds the dividend, as the broker's does
    assert initial == pytest.approx(START)
    assert cash == pytest.approx(rig.exchange.cash, abs=0.005)

    # a restart, then a second dividend: the first one, listed again, is not booked again
    rig.exchange.credit("DIV", 7.89, "BBB", per_share=0.25)
    code, out = rig.session(cycles=2)

    assert code == 0 and "RESULT stopped 2 False" in out, out
    assert _store(rig.folder)["halts"] == []
    events = _income_events(rig.folder)
    assert [m.split(",")[0] for m, _ in events] == [
        "dividend AAA $12.34 (2020-06-01",
        "dividend BBB $7.89 (2020-06-01",
    ]
    baseline, initial, cash = _baseline_and_books(rig)
    assert baseline.income == pytest.approx(20.23) and len(baseline.income_ids) == 2
    assert cash == pytest.approx(rig.exchange.cash, abs=0.005) and initial == START

    # where a person reads it: tradewind status, and the dashboard's Performance tab
    status = CliRunner().invoke(app, ["status", "--config", str(rig.config)])
    assert status.exit_code == 0, status.output
    assert "dividends and interest booked $20.23" in " ".join(status.output.split())
    shown = dashboard_captions(rig.config, monkeypatch, "Performance")
    assert "The P&L includes $20.23 of dividends and interest" in shown


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_dividend_and_regulatory_fees_in_the_same_difference(rig: Rig) -> None:  # noqa: F811
    """Alpaca's fees taken at the fills and a dividend credited before the next cycle: the
    dividend is booked and the shortfall left is taken as fees, in one reconciliation."""
    rig.exchange.regulatory_fees = _alpaca_fees
    _credit_during(rig, SECOND_CYCLE, "DIV", 12.34, "AAA")

    code, out = rig.session(cycles=3)

    assert code == 0 and "RESULT stopped 3 False" in out, out
    assert _store(rig.folder)["halts"] == [] and rig.exchange.regulatory_taken > 0
    assert len(_income_events(rig.folder)) == 1 and _fee_events(rig.folder)
    baseline, _, cash = _baseline_and_books(rig)
    assert baseline.income == pytest.approx(12.34) and baseline.fees > 0
    assert baseline.cash == pytest.approx(START + 12.34 - baseline.fees, abs=1e-9)
    assert cash == pytest.approx(rig.exchange.cash, abs=0.005)


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_deposit_still_halts(rig: Rig) -> None:  # noqa: F811
    _credit_during(rig, SECOND_CYCLE, "CSD", 500.0)

    code, out = rig.session(cycles=3, max_hours=3)

    assert code == 0 and "True" in out.split("RESULT")[-1], out
    assert [k for k, _ in _store(rig.folder)["halts"]] == ["reconciliation"]
    assert "cash: the store says" in " ".join(out.split()) and _income_events(rig.folder) == []


@pytest.mark.parametrize("rig", ["webull"], indirect=True)
def test_a_dividend_halts_where_the_broker_cannot_list_activities(rig: Rig) -> None:  # noqa: F811
    _credit_during(rig, ("POST", "/trading/orders/place", 0), "DIV", 12.34, "AAA")

    code, out = rig.session(cycles=3, max_hours=3)

    assert code == 0, out
    assert [k for k, _ in _store(rig.folder)["halts"]] == ["reconciliation"]
    assert _income_events(rig.folder) == []
