"""``tradewind trade --mode paper`` with ``broker.name: alpaca`` and ``webull``: the trading
service, as a subprocess on a fake clock, running full cycles against the fake brokers; killed
with SIGKILL between an order reaching the broker and the broker's answer, then restarted: no
order is ever sent twice. Start-up against an account that already holds positions: halt with
the difference listed (default) or adopt."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import fake_alpaca_broker
import fake_webull_broker
import pandas as pd
import pytest
import yaml
from exchange import Exchange, Fault
from fakeserver import FakeServer
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.data import get_market_data
from tradewind.service.live_safety import PAPER_TEST_PRICES_ENV

HERE = Path(__file__).parent
T0 = "2020-06-01T14:00:00+00:00"  # 10:00 in New York, a Monday session
SYMBOLS = ["AAA", "BBB", "CCC", "DDD", "EEE"]
ORDER_PATH = {"alpaca": "/v2/orders", "webull": "/trading/orders/place"}
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


def _config(folder: Path, name: str, url: str, on_start: str) -> Path:
    data: dict[str, Any] = {
        "trading": {"mode": "paper", "symbols": SYMBOLS, "interval_seconds": 3600},
        "broker": {
            "name": name,
            "paper_trading": True,
            "base_url": url,
            "timeout_seconds": 5,
            "on_start_difference": on_start,
        },
        "portfolio_optimization": {
            "method": "max_sharpe",
            "lookback_days": 60,
            "rebalancing": {
                "trigger_type": "combined",
                "drift_threshold": 0.05,
                "frequency": "weekly",
                "min_trade_value": 100.0,
            },
        },
        "risk_management": {"max_position_size": 0.40, "max_portfolio_risk": 0.90},
        "data": {
            "source": "synthetic",
            "benchmark": "SP500",
            "synthetic": {"seed": 11, "start": "2018-01-02", "end": "2020-12-31"},
        },
        "database": {"url": f"sqlite:///{folder / 'tw.db'}"},
        "logging": {"path": str(folder / "trading.log")},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@dataclass
class Rig:
    """A fake broker, its clock file shared with the service, and the service's config."""

    name: str
    folder: Path
    exchange: Exchange
    server: FakeServer
    config: Path
    pid: list[int]

    def session(
        self, cycles: int, max_hours: float = 48, live: bool = False, accept_gaps: bool = False
    ) -> tuple[int, str]:
        """Run the service for ``cycles`` cycles (or ``max_hours`` of fake time; ``live``: with
        ``--live``; ``accept_gaps``: with ``--accept-paper-gaps``); its return code and output."""
        opts = {
            "cycles": cycles,
            "start": T0,
            "clock_file": str(self.folder / "clock.txt"),
            "max_hours": max_hours,
            "live": live,
            "accept_paper_gaps": accept_gaps,
        }
        env = {**os.environ, **CREDS[self.name], PAPER_TEST_PRICES_ENV: "yes"}  # synthetic prices
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "paper_session.py"), str(self.config), json.dumps(opts)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=self.folder,
        )
        self.pid[:] = [proc.pid]
        out, _ = proc.communicate(timeout=240)
        return proc.returncode, out

    def kill_on_order(self, number: int) -> None:
        """SIGKILL the service once the broker has taken its ``number``-th order, before the
        answer leaves."""
        self.exchange.fail_next(
            Fault(
                "hook",
                "POST",
                ORDER_PATH[self.name],
                hook=lambda: os.kill(self.pid[0], signal.SIGKILL),
                skip=number - 1,
            )
        )


def _prices(config: Path) -> dict[str, float]:
    cfg = load_config(config)
    bars = get_market_data(cfg).bars(SYMBOLS, pd.Timestamp("2020-01-01", tz="UTC"), None)
    closes = bars.closes()
    last = closes[closes.index <= pd.Timestamp(T0)].iloc[-1]
    return {s: round(float(last[s]), 2) for s in SYMBOLS}


@contextmanager
def make_rig(name: str, folder: Path) -> Iterator[Rig]:
    """A fake ``name`` broker serving a paper service whose files are in ``folder``."""
    clock_file = folder / "clock.txt"

    def clock() -> datetime:
        text = clock_file.read_text().strip() if clock_file.exists() else T0
        return pd.Timestamp(text or T0).to_pydatetime()

    exchange = Exchange({}, clock=clock)
    server = (
        fake_alpaca_broker.serve(exchange)
        if name == "alpaca"
        else fake_webull_broker.serve(exchange)
    )
    try:
        config = _config(folder, name, server.url, "halt")
        exchange.prices = _prices(config)
        yield Rig(name, folder, exchange, server, config, [])
    finally:
        server.stop()


@pytest.fixture(params=["alpaca", "webull"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    with make_rig(str(request.param), tmp_path) as made:
        yield made


def _store(folder: Path) -> dict[str, Any]:
    db = sqlite3.connect(folder / "tw.db")
    try:
        orders = dict(
            (cid, (status, qty))
            for cid, status, qty in db.execute(
                "SELECT client_order_id, status, filled_quantity FROM orders"
            )
        )
        held: dict[str, float] = {}
        for sym, side, qty in db.execute("SELECT symbol, side, quantity FROM fills"):
            held[sym] = held.get(sym, 0.0) + (qty if side == "buy" else -qty)
        halts = db.execute("SELECT kind, reason FROM halts").fetchall()
    finally:
        db.close()
    return {"orders": orders, "positions": {s: q for s, q in held.items() if q}, "halts": halts}


def _agree(rig: Rig) -> dict[str, Any]:
    """The store and the broker agree on every order and position; no order was sent twice."""
    store = _store(rig.folder)
    ex = rig.exchange.snapshot()
    assert rig.exchange.posts_by_cid and set(rig.exchange.posts_by_cid.values()) == {1}
    assert set(store["orders"]) == set(ex["orders"])
    for cid, (status, filled) in ex["orders"].items():
        assert store["orders"][cid][0] == {"filled": "filled"}.get(status, status), cid
        assert store["orders"][cid][1] == pytest.approx(filled), cid
    assert store["positions"] == pytest.approx(ex["positions"])
    return store


def test_paper_cycles_trade_and_the_store_agrees_with_the_broker(rig: Rig) -> None:
    code, out = rig.session(cycles=3)

    assert code == 0, out
    assert "RESULT stopped 3 False" in out, out
    assert f"mode paper | broker {rig.name} | account {rig.name} paper" in out
    store = _agree(rig)
    assert len(store["orders"]) >= 3 and store["halts"] == []


def test_sigkill_between_the_brokers_acceptance_and_its_answer_sends_nothing_twice(
    rig: Rig,
) -> None:
    rig.kill_on_order(2)

    code, out = rig.session(cycles=3)
    assert code == -signal.SIGKILL, out
    assert len(rig.exchange.orders) == 2  # the second order arrived; its answer never did
    second = list(rig.exchange.orders)[1]
    assert _store(rig.folder)["orders"][second][0] == "pending_new"

    code, out = rig.session(cycles=2)

    assert code == 0 and "RESULT stopped 2 False" in out, out
    store = _agree(rig)
    assert store["orders"][second][0] == "filled"
    assert store["halts"] == []


def test_an_account_holding_positions_halts_before_the_first_cycle(rig: Rig) -> None:
    rig.exchange.positions = {"AAA": 5.0, "ZZZ": 2.0}
    rig.exchange.prices["ZZZ"] = 10.0

    code, out = rig.session(cycles=2, max_hours=2)

    assert code == 0 and "RESULT stopped 0 True" in out, out
    text = " ".join(out.split())
    assert "position AAA: the store says 0, the broker has 5" in text
    assert "position ZZZ: the store says 0, the broker has 2" in text
    assert rig.exchange.order_posts == 0

    resumed = CliRunner().invoke(
        app, ["resume", "--confirm", "--reason", "checked", "--config", str(rig.config)]
    )
    assert resumed.exit_code == 0, resumed.output
    code, out = rig.session(cycles=2)

    assert code == 0 and "RESULT stopped 2 False" in out, out
    assert rig.exchange.order_posts > 0
    assert rig.exchange.positions["ZZZ"] == 2.0  # adopted as outside the universe, left alone


def test_adopt_takes_the_account_as_it_is(rig: Rig) -> None:
    rig.exchange.positions = {"AAA": 5.0}
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["broker"]["on_start_difference"] = "adopt"
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")

    code, out = rig.session(cycles=1)

    assert code == 0 and "RESULT stopped 1 False" in out, out
    assert rig.exchange.order_posts > 0


def test_the_trade_command_starts_paper_on_the_wall_clock(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tradewind trade --mode paper`` itself: credentials, the broker's account read and
    reconciled, the banner; ``--max-cycles 0`` ends it before the first slot."""
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["trading"]["mode"] = "simulated"  # the runbook flips it with --mode paper / --paper
    data["data"]["synthetic"]["end"] = str(pd.Timestamp.now(tz="UTC").date())
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")
    for k, v in CREDS[rig.name].items():
        monkeypatch.setenv(k, v)
    args = ["trade", "--paper", "--config", str(rig.config), "--max-cycles", "0", "--json"]
    refused = CliRunner().invoke(app, args)  # the config's synthetic prices are not the market's
    assert refused.exit_code == 2 and PAPER_TEST_PRICES_ENV in refused.output, refused.output
    monkeypatch.setenv(PAPER_TEST_PRICES_ENV, "yes")  # this test checks the broker plumbing

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "stopped" and payload["cycles"] == 0
    assert payload["broker_journal"] is None
    assert ("GET", "/v2/account" if rig.name == "alpaca" else "/trading/assets/balances/get") in [
        (m, p) for m, p in rig.exchange.requests
    ]


def _alpaca_fees(side: str, qty: float, price: float) -> float:
    """Alpaca's equity regulatory fees (https://docs.alpaca.markets/docs/regulatory-fees, rates
    of its fee table): the SEC fee (0.0000278 of the principal) and FINRA's TAF ($0.000166 a
    share, at most $8.30) on sells, the CAT fee ($0.000046 a share) on both sides; each rounded
    up to the cent (here per fill, the most rounding can add)."""

    def cents(x: float) -> float:
        return math.ceil(round(x * 100.0, 9)) / 100.0 if x > 0 else 0.0

    fees = cents(0.000046 * qty)
    if side == "sell":
        fees += cents(0.0000278 * qty * price) + cents(min(0.000166 * qty, 8.30))
    return fees


def _fee_events(folder: Path) -> list[str]:
    db = sqlite3.connect(folder / "tw.db")
    try:
        rows = db.execute("SELECT message FROM events WHERE kind = 'broker_fees'").fetchall()
    finally:
        db.close()
    return [r[0] for r in rows]


def test_fees_the_broker_takes_from_the_cash_are_recorded_not_halted(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regulatory fees never appear on the order: the broker's cash comes up short of the fills'
    by them. Within ``broker.fee_allowance_bps`` they are taken as fees (the baseline's cash
    lowered, an event), not a reconciliation halt, and the books then agree to the cent."""
    from tradewind.service.checkpoint import load_baseline
    from tradewind.store import Store

    rig.exchange.regulatory_fees = _alpaca_fees

    code, out = rig.session(cycles=4)

    assert code == 0 and "RESULT stopped 4 False" in out, out
    store = _agree(rig)
    assert store["halts"] == [] and rig.exchange.regulatory_taken > 0
    events = _fee_events(rig.folder)
    assert events and "taken as its regulatory fees" in events[0]
    cfg = load_config(rig.config)
    with Store(cfg.database_url, mode=None) as db:
        baseline = load_baseline(db, 1)
    assert baseline is not None
    # every cent taken before the last cycle's reconciliation is accounted (the fills of the
    # last cycle are reconciled by the next one)
    assert 0 < baseline.fees <= rig.exchange.regulatory_taken + 1e-9
    assert baseline.cash == pytest.approx(100_000.0 - baseline.fees, abs=1e-9)
    # the dashboard says so where costs are read
    shown = dashboard_captions(rig.config, monkeypatch, "Transaction Costs")
    assert f"The broker also took ${baseline.fees:,.2f} of regulatory fees" in shown
    # and the fees are costs wherever the run's costs are counted: the tracking spreadsheet's
    # days, the weekly reports, the summary, the readiness gate's months and cost rate
    from tradewind.review.criteria import cost_rate, monthly_costs_below
    from tradewind.review.evidence import Evidence
    from tradewind.service.records import load_records
    from tradewind.service.run_reports import daily_frame, weeks

    with Store(cfg.database_url, mode=None) as db:
        records = load_records(db, 1)
    taken = sum(amount for _, amount in records.broker_fees_taken)
    assert taken == pytest.approx(baseline.fees, abs=1e-9)
    fills = records.recorder.fills
    paid = sum(f.cost for f in fills) + taken
    assert daily_frame(records)["Transaction Costs"].sum() == pytest.approx(paid, abs=1e-9)
    assert sum(w.costs_usd for w in weeks(records)) == pytest.approx(paid, abs=1e-9)
    assert records.summary().performance.costs_usd == pytest.approx(
        records.book.costs.total + taken, abs=1e-9
    )
    ev = Evidence.of(records)
    months = monthly_costs_below(ev, 1.0).details
    spent = sum(float(m.split("($")[1].rstrip(")").replace(",", "")) for m in months)
    assert spent == pytest.approx(paid, abs=0.01 * len(months))
    rate = cost_rate(ev)
    assert rate is not None
    assert rate[0] == pytest.approx(paid / sum(f.notional for f in fills) * 1e4)


def dashboard_captions(config: Path, monkeypatch: pytest.MonkeyPatch, tab: str) -> str:
    """The captions of the dashboard's ``tab`` on ``config``'s database (the page run once by
    Streamlit's app-testing API)."""
    from streamlit.testing.v1 import AppTest

    import tradewind

    app_file = Path(tradewind.__file__).resolve().parent / "dashboard" / "app.py"
    monkeypatch.setenv("TRADEWIND_CONFIG", str(config))
    at = AppTest.from_file(str(app_file), default_timeout=180)
    at.query_params["tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return " ".join(str(c.value) for c in at.caption)


def test_with_no_fee_allowance_the_same_fees_halt(rig: Rig) -> None:
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["broker"]["fee_allowance_bps"] = 0.0
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")
    rig.exchange.regulatory_fees = _alpaca_fees

    code, out = rig.session(cycles=4)

    assert code == 0, out
    assert [k for k, _ in _store(rig.folder)["halts"]] == ["reconciliation"]
    assert "cash: the store says" in " ".join(out.split()) and _fee_events(rig.folder) == []
