"""A live run trades the whole account it is given, so its first start on an account worth more
than ``trading.initial_capital`` is refused before any order (the runbook's Phase 22.3: "start
small", ``initial_capital: 10000``); an account holding that capital starts and trades.

The service runs live with every consent (``trading.mode: live`` in the file, ``--live``,
``TRADEWIND_ALLOW_LIVE=yes``, ``broker.paper_trading: false``) against the loopback fake Alpaca
broker, on price files exported from the synthetic market (live refuses synthetic prices
themselves)."""

from __future__ import annotations

import pytest
import yaml
from test_paper_service import Rig, rig  # noqa: F401 - the fake broker and its service
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.service.live_safety import ALLOW_ENV


def _go_live(rig: Rig, capital: float, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The rig's config made live on exported price files, with ``capital`` configured."""
    prices = rig.folder / "prices"
    args = ["data", "export", "--source", "synthetic", "--to", str(prices), "-c", str(rig.config)]
    done = CliRunner().invoke(app, [*args, "--end", "2020-06-01"])
    assert done.exit_code == 0, done.output
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["trading"] |= {"mode": "live", "initial_capital": capital}
    data["broker"]["paper_trading"] = False
    data["data"] = {"source": "files", "path": str(prices), "benchmark": "SP500"}
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv(ALLOW_ENV, "yes")


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_live_account_worth_more_than_the_capital_is_refused_before_any_order(
    rig: Rig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _go_live(rig, 10_000.0, monkeypatch)
    rig.exchange.cash = 250_000.0

    code, out = rig.session(cycles=2, live=True, accept_gaps=True)  # no paper run here

    text = " ".join(out.split())
    assert code == 2 and "REFUSED" in text, out
    assert "trading.initial_capital is $10,000.00 but the live account holds $250,000.00" in text
    assert "set trading.initial_capital: 250000.00" in text
    assert rig.exchange.order_posts == 0


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_live_account_holding_the_capital_starts_and_trades(
    rig: Rig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _go_live(rig, 10_000.0, monkeypatch)
    rig.exchange.cash = 10_100.0  # within the tolerance (interest since funding)

    code, out = rig.session(cycles=2, live=True, accept_gaps=True)  # no paper run here

    assert code == 0 and "RESULT stopped 2 False" in out, out
    assert "mode live | broker alpaca" in out and "LIVE TRADING: REAL MONEY" in out
    assert rig.exchange.order_posts > 0
