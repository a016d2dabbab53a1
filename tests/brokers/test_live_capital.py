"""A live run on an account worth more than ``trading.initial_capital`` (the runbook's Phase 22.3:
"start small", ``initial_capital: 10000``): with ``trading.larger_account: set_aside`` (the
default) it trades $10k of a $250k account and leaves the rest of the cash alone, across
cycles and restarts; with ``refuse`` its first start is refused before any order; an account
holding the capital starts and trades either way.

The service runs live with every consent (``trading.mode: live`` in the file, ``--live``,
``TRADEWIND_ALLOW_LIVE=yes``, ``broker.paper_trading: false``) against the loopback fake Alpaca
broker, on price files exported from the synthetic market (live refuses synthetic prices
themselves)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_paper_service import Rig, rig  # noqa: F401 - the fake broker and its service
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.service.live_safety import ALLOW_ENV


def _go_live(
    rig: Rig,  # noqa: F811
    capital: float,
    monkeypatch: pytest.MonkeyPatch,
    larger_account: str | None = None,
) -> None:
    """The rig's config made live on exported price files, with ``capital`` configured (and
    ``trading.larger_account`` when given)."""
    prices = rig.folder / "prices"
    args = ["data", "export", "--source", "synthetic", "--to", str(prices), "-c", str(rig.config)]
    done = CliRunner().invoke(app, [*args, "--end", "2020-06-01"])
    assert done.exit_code == 0, done.output
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["trading"] |= {"mode": "live", "initial_capital": capital}
    if larger_account is not None:
        data["trading"]["larger_account"] = larger_account
    data["broker"]["paper_trading"] = False
    data["data"] = {"source": "files", "path": str(prices), "benchmark": "SP500"}
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv(ALLOW_ENV, "yes")


def _rows(folder: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(folder / "tw.db")
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_larger_live_account_trades_the_capital_and_sets_the_rest_aside(
    rig: Rig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _go_live(rig, 10_000.0, monkeypatch)  # trading.larger_account: set_aside by default
    rig.exchange.cash = 250_000.0

    code, out = rig.session(cycles=3, live=True, accept_gaps=True)  # no paper run here

    text = " ".join(out.split())
    assert code == 0 and "RESULT stopped 3 False" in out, out
    assert "capital: equity $10,000.00, cash $10,000.00, 0 position(s)" in text
    assert "trading $10,000.00 of the account; $240,000.00 set aside, never traded" in text
    bought = rig.exchange.bought()
    assert 5_000.0 < bought <= 10_000.0  # it traded, within the run's $10k
    assert rig.exchange.cash == pytest.approx(250_000.0 - bought)  # ~$240k+ of cash untouched
    assert rig.exchange.cash >= 240_000.0
    assert _rows(rig.folder, "SELECT kind FROM halts") == []  # reconciled every cycle
    (initial,) = _rows(rig.folder, "SELECT initial_cash FROM runs WHERE id = 1")[0]
    assert initial == pytest.approx(10_000.0)  # measured from the sub-account
    set_aside = _rows(
        rig.folder, "SELECT message, data FROM events WHERE kind = ?", "capital_set_aside"
    )
    assert len(set_aside) == 1
    assert (
        "holds $250,000.00" in set_aside[0][0]
        and "$240,000.00 of cash set aside" in set_aside[0][0]
    )
    assert json.loads(set_aside[0][1])["reserved"] == pytest.approx(240_000.0)
    (equity,) = _rows(rig.folder, "SELECT equity FROM equity_snapshots ORDER BY ts DESC LIMIT 1")[0]
    assert equity == pytest.approx(10_000.0, rel=0.05)  # the run's equity, not the account's

    code, out = rig.session(cycles=2, live=True)  # a restart: the reserve is the saved one

    assert code == 0 and "RESULT stopped 2 False" in out, out
    assert "$240,000.00 set aside, never traded" in " ".join(out.split())
    assert len(_rows(rig.folder, "SELECT id FROM events WHERE kind = ?", "capital_set_aside")) == 1
    assert _rows(rig.folder, "SELECT kind FROM halts") == []
    assert rig.exchange.bought() <= 10_500.0  # five cycles: still sized on the run's value
    assert rig.exchange.cash >= 240_000.0
    status = CliRunner().invoke(app, ["status", "--json", "--config", str(rig.config)])
    assert status.exit_code == 0, status.output
    payload = json.loads(status.stdout)
    assert payload["reserved_cash"] == pytest.approx(240_000.0)
    assert payload["last_cycle"]["equity"] == pytest.approx(10_000.0, rel=0.05)
    shown = CliRunner().invoke(app, ["status", "--config", str(rig.config)])
    assert "set aside $240,000.00 of the broker's cash" in " ".join(shown.output.split())


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_with_refuse_a_larger_live_account_is_refused_before_any_order(
    rig: Rig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _go_live(rig, 10_000.0, monkeypatch, larger_account="refuse")
    rig.exchange.cash = 250_000.0

    code, out = rig.session(cycles=2, live=True, accept_gaps=True)  # no paper run here

    text = " ".join(out.split())
    assert code == 2 and "REFUSED" in text, out
    assert "trading.initial_capital is $10,000.00 but the live account holds $250,000.00" in text
    assert "trading.larger_account is refuse" in text
    assert "set trading.initial_capital: 250000.00" in text
    assert rig.exchange.order_posts == 0


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_live_account_holding_the_capital_starts_and_trades(
    rig: Rig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _go_live(rig, 10_000.0, monkeypatch, larger_account="refuse")
    rig.exchange.cash = 10_100.0  # within the tolerance (interest since funding)

    code, out = rig.session(cycles=2, live=True, accept_gaps=True)  # no paper run here

    assert code == 0 and "RESULT stopped 2 False" in out, out
    assert "mode live | broker alpaca" in out and "LIVE TRADING: REAL MONEY" in out
    assert "set aside" not in out
    assert rig.exchange.order_posts > 0
