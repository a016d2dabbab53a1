"""Stock splits and dividends of held positions on the paper brokers, end to end: the paper
service, in process, on the wall clock of a fake clock, trading on yfinance data (a fake Yahoo)
through the real SDKs against the loopback fake Alpaca and Webull, whose exchange fills at the
prices as traded (the truth's raw closes) and takes the corporate actions as a broker does:

* a split multiplies the position and divides the price before the ex-date's open
  (https://docs.alpaca.markets/docs/corporate-actions), while Yahoo shows the split only with
  the ex-date's bar, published after that session: the ex-date's cycles wait (``split_pending``),
  then the split is booked (``position_split``), with no halt, and once only, across a restart;
* a dividend is credited on its pay date, sessions after the ex-date, on the shares held at the
  ex-date (https://www.webull.com/help/faq/10864-Dividends-DRIP: "Dividends will be credited to
  shareholders of record ... after the payment date"); Webull's OpenAPI cannot list it, so it is
  booked from the data (``data:div:SYM:DATE``), unless something else (a deposit) arrives too.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "providers"))

import fake_alpaca_broker  # noqa: E402
import fake_webull_broker  # noqa: E402
from exchange import Exchange  # noqa: E402
from fake_yahoo import FakeYahoo  # noqa: E402
from market_truth import Truth  # noqa: E402
from test_paper_service import CREDS, _store  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from tradewind.calendar import nyse  # noqa: E402
from tradewind.cli.app import app  # noqa: E402
from tradewind.config import load_config  # noqa: E402
from tradewind.data.network import live_from_config  # noqa: E402
from tradewind.domain.orders import Side  # noqa: E402
from tradewind.service import StopFlag, TradeOptions, TradingService  # noqa: E402
from tradewind.store import Store  # noqa: E402
from tradewind.store.records import EventView  # noqa: E402

NY = "America/New_York"
SYMBOLS = ["AAPL", "MSFT", "GOOGL", "AMZN"]
PUBLISHED = pd.Timedelta(hours=2)
"""Yahoo publishes a session's daily bar this long after its close."""
SPLIT_AHEAD = pd.Timedelta(hours=1)
"""The broker applies a split this long before the ex-date's open."""


def _config(folder: Path, broker: str, broker_url: str, yahoo_url: str) -> Path:
    data: dict[str, Any] = {
        "trading": {"mode": "paper", "symbols": SYMBOLS, "initial_capital": 100_000.0},
        "broker": {
            "name": broker,
            "paper_trading": True,
            "base_url": broker_url,
            "timeout_seconds": 5,
            "requests_per_minute": 10_000,  # real-time waits: none on the fake clock
        },
        "portfolio_optimization": {
            "method": "min_variance",
            "lookback_days": 60,
            "regime_aware": False,
            "rebalancing": {"trigger_type": "combined", "frequency": "daily"},
        },
        # the runbook's stops, both kinds (the tightest wins)
        "risk_management": {
            "stop_loss": {
                "enabled": True,
                "type": ["fixed", "trailing"],
                "fixed_pct": 0.03,
                "atr_multiplier": 2.0,
            }
        },
        "data": {
            "source": "yfinance",
            "yfinance": {"url": yahoo_url, "min_interval_seconds": 0, "retries": 0},
            "cache": {"path": str(folder / "cache"), "history_start": "2023-01-03"},
        },
        "database": {"url": f"sqlite:///{folder / 'tw.db'}"},
        "logging": {"path": str(folder / "trading.log")},
        "reports": {"folder": str(folder / "runs")},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _truth() -> Truth:
    return Truth.random([*SYMBOLS, "SPY", "VIX"], start="2023-01-03", end="2024-07-31")


def _open(day: str | pd.Timestamp) -> pd.Timestamp:
    return nyse().session_open(pd.Timestamp(day)).tz_convert("UTC")


_OPENS: dict[int, pd.DatetimeIndex] = {}


def _opens(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Each session's open (UTC), computed once per index of sessions."""
    key = hash((days[0], days[-1], len(days)))
    if key not in _OPENS:
        _OPENS[key] = pd.DatetimeIndex([_open(d) for d in days])
    return _OPENS[key]


@dataclass
class Dividend:
    """A dividend the exchange pays: ``per_share`` on the shares held at the ex-date's open,
    credited at ``pay_at``."""

    symbol: str
    ex_date: str
    pay_at: pd.Timestamp
    per_share: float
    shares: float | None = None
    paid: float | None = None


@dataclass
class Market:
    """The exchange's side of the market on the clock: prices as traded (the raw closes of
    ``truth``), its splits applied before each ex-date's open, the ``dividends`` paid."""

    truth: Truth
    exchange: Exchange
    dividends: list[Dividend] = field(default_factory=list)
    deposits: list[tuple[pd.Timestamp, float]] = field(default_factory=list)
    applied: set[tuple[str, pd.Timestamp]] = field(default_factory=set)

    def sync(self, t: pd.Timestamp) -> None:
        """Bring the exchange to ``t``."""
        prices: dict[str, float] = {}
        for symbol in SYMBOLS:
            frame = self.truth.frames[symbol]
            opens = _opens(frame.index)
            price = float(frame["close"].iloc[int(opens.searchsorted(t, side="right")) - 1])
            for day, ratio in frame.loc[frame["split"] != 1.0, "split"].items():
                if _open(day) - SPLIT_AHEAD <= t < _open(day):
                    price /= float(ratio)  # split already, not traded yet
                if _open(day) - SPLIT_AHEAD <= t and (symbol, day) not in self.applied:
                    self.applied.add((symbol, day))
                    self.exchange.split(symbol, float(ratio))
            prices[symbol] = round(price, 4)
        with self.exchange.lock:
            self.exchange.prices.update(prices)
        for d in self.dividends:
            if d.shares is None and t >= _open(d.ex_date):
                d.shares = self.exchange.positions.get(d.symbol, 0.0)
            if d.paid is None and d.shares is not None and t >= d.pay_at:
                d.paid = self.exchange.dividend(d.symbol, d.per_share, shares=d.shares).amount
        for at, amount in list(self.deposits):
            if t >= at:
                self.exchange.credit("CSD", amount)
                self.deposits.remove((at, amount))


class Clock:
    """Moves only when the service waits; brings the exchange to the new time, publishes each
    session's bar on Yahoo ``PUBLISHED`` after its close, and stops at ``stop_at``."""

    def __init__(self, start: str, market: Market, yahoo: FakeYahoo, stop_at: str) -> None:
        self.t = pd.Timestamp(start, tz=NY).tz_convert("UTC")
        self.market = market
        self.yahoo = yahoo
        self.stop_at = pd.Timestamp(stop_at, tz=NY)
        self.stop = StopFlag()
        self._move()

    def now(self) -> pd.Timestamp:
        return self.t

    def wall(self) -> datetime:
        return self.t.to_pydatetime()

    def _move(self) -> None:
        self.market.sync(self.t)
        cal = nyse()
        days = cal.sessions("2024-01-02", self.t.tz_convert(NY).date().isoformat())
        shown = [d for d in days if cal.session_close(d) + PUBLISHED <= self.t]
        self.yahoo.today = pd.Timestamp(shown[-1]).tz_localize(None).normalize()

    def wait(self, seconds: float) -> bool:
        self.t += pd.Timedelta(seconds=max(seconds, 0.0))
        self._move()
        if self.t >= self.stop_at:
            self.stop.set("SIGTERM (test)")
        return self.stop.is_set


@dataclass
class Rig:
    """A fake broker whose exchange follows ``market``, a fake Yahoo serving the market data,
    and the paper service's config."""

    folder: Path
    market: Market
    yahoo: FakeYahoo
    config: Path

    @property
    def exchange(self) -> Exchange:
        return self.market.exchange

    def session(self, start: str, stop_at: str) -> tuple[int, str]:
        """Run the paper service from ``start`` to ``stop_at`` (New York); its run id and
        status."""
        cfg = load_config(self.config)
        clock = Clock(start, self.market, self.yahoo, stop_at)
        self.exchange.clock = clock.wall
        service = TradingService(
            cfg,
            TradeOptions(interval=3600, error_backoff=(0.0,)),
            provider=live_from_config(cfg, now=clock.now),
            now=clock.now,
            wait=clock.wait,
            stop=clock.stop,
        )
        result = service.run()
        return result.run_id, result.status

    def store(self) -> Store:
        return Store(load_config(self.config).database_url, mode=None)


@contextmanager
def make_rig(
    name: str, folder: Path, exchange_truth: Truth, data_truth: Truth, mp: pytest.MonkeyPatch
) -> Iterator[Rig]:
    """The fake ``name`` broker whose exchange trades ``exchange_truth``, Yahoo serving
    ``data_truth``."""
    for key, value in CREDS[name].items():
        mp.setenv(key, value)
    exchange = Exchange({})
    server = (
        fake_alpaca_broker.serve(exchange)
        if name == "alpaca"
        else fake_webull_broker.serve(exchange)
    )
    try:
        with FakeYahoo(data_truth, "2024-06-21") as yahoo:
            config = _config(folder, name, server.url, yahoo.url)
            yield Rig(folder, Market(exchange_truth, exchange), yahoo, config)
    finally:
        server.stop()


def _ny(ts: datetime | str) -> str:
    return pd.Timestamp(ts).tz_convert(NY).strftime("%a %d %H:%M")


def _halts(events: list[EventView]) -> list[str]:
    return [e.message for e in events if "halt" in e.kind or e.kind == "reconciliation_blocked"]


def _traded(store: Store, run_id: int) -> list[str]:
    """When each fill of the run happened (New York)."""
    return [_ny(f.ts) for _, f in store.fills_by_id(run_id)]


def _held_at(store: Store, run_id: int, t: pd.Timestamp) -> dict[str, float]:
    """The shares the run's fills left before ``t``."""
    held = dict.fromkeys(SYMBOLS, 0.0)
    for _, f in store.fills_by_id(run_id):
        if pd.Timestamp(f.ts) < t:
            held[f.symbol] += f.quantity if f.side is Side.BUY else -f.quantity
    return held


# --- Alpaca: a 4-for-1 split ------------------------------------------------------------------

SPLIT_SYMBOL = "MSFT"
SPLIT_DAY = "2024-06-26"  # a Wednesday


def test_alpaca_split_waits_for_the_data_then_is_booked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = _truth()
    truth.add_split(SPLIT_SYMBOL, SPLIT_DAY, 4.0)
    with make_rig("alpaca", tmp_path, truth, truth, monkeypatch) as rig:
        run_id, status = rig.session("2024-06-24 10:00", "2024-06-27 15:40")
        assert status == "stopped"
        with rig.store() as store:
            events = store.events(run_id)
            cycles = store.cycles(run_id)
            traded = _traded(store, run_id)
            before = _held_at(store, run_id, _open(SPLIT_DAY))
            book = store.orders(run_id)
        held = before[SPLIT_SYMBOL]
        assert held > 0  # the run held the symbol when it split
        assert rig.exchange.positions[SPLIT_SYMBOL] >= 4 * held - 1e-6

        assert _halts(events) == []
        # the ex-date's cycles traded nothing, with one alert; the data showed the split with
        # Wednesday's bar (published that evening) and Thursday's first cycle booked it
        pending = [e for e in events if e.kind == "split_pending"]
        assert [_ny(e.ts) for e in pending] == ["Wed 26 09:30"], [_ny(e.ts) for e in pending]
        assert not [t for t in traded if t.startswith("Wed 26")]
        (split,) = [e for e in events if e.kind == "position_split"]
        assert _ny(split.ts) == "Thu 27 09:30"
        assert split.data["symbol"] == SPLIT_SYMBOL and split.data["ratio"] == 4.0
        assert split.data["quantity"] == pytest.approx(4 * held, rel=1e-12)
        # "N shares at $C are now 4N at $C/4": the cost basis unchanged
        qty, cost, qty4, cost4 = _split_figures(split.message)
        assert qty == pytest.approx(held, rel=1e-5) and qty4 == pytest.approx(4 * qty, rel=1e-5)
        assert cost4 == pytest.approx(cost / 4, abs=1e-4)
        # the stops follow the new shares: the split (prices /4) fired none
        stops = [o for o in book if (o.request.reason or "").startswith("stop:")]
        assert [o for o in stops if o.request.symbol == SPLIT_SYMBOL] == []
        # no false loss: the equity carries on through the split
        equity = [c.equity for c in cycles]
        assert max(abs(b / a - 1.0) for a, b in itertools.pairwise(equity)) < 0.03
        assert [t for t in traded if t.startswith("Thu 27")]  # it traded on after the booking

        # a restart on the same database books nothing again and trades on
        run2, status = rig.session("2024-06-28 09:00", "2024-06-28 15:40")
        with rig.store() as store:
            events2 = store.events(run2)
            friday = [c for c in store.cycles(run2) if _ny(c.ts).startswith("Fri 28")]
        assert status == "stopped" and run2 == run_id
        assert _halts(events2) == []
        assert len([e for e in events2 if e.kind == "position_split"]) == 1
        # it trades on: Friday's first cycle decided (on Thursday's bar), none was blocked
        assert _ny(friday[0].ts) == "Fri 28 09:30" and friday[0].is_decision
        assert len(friday) == 7 and [e for e in events2 if e.kind == "split_pending"] == pending


def _split_figures(message: str) -> tuple[float, ...]:
    """The shares and average cost before and after, as the ``position_split`` event says."""
    found = re.search(r"([\d,.]+) shares at \$([\d,.]+) are now ([\d,.]+) at \$([\d,.]+)", message)
    assert found, message
    return tuple(float(g.replace(",", "")) for g in found.groups())


def test_alpaca_split_the_data_never_shows_halts_after_the_next_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    traded = _truth()
    traded.add_split(SPLIT_SYMBOL, SPLIT_DAY, 4.0)
    with make_rig("alpaca", tmp_path, traded, _truth(), monkeypatch) as rig:
        # stopped while it waits: `tradewind status` says why nothing trades, and a restart
        # keeps the time the wait started (the halt still comes on Friday)
        first, _ = rig.session("2024-06-24 10:00", "2024-06-26 12:40")
        waiting = CliRunner().invoke(app, ["status", "--config", str(rig.config), "--json"])
        shown = CliRunner().invoke(app, ["status", "--config", str(rig.config)])
        run_id, status = rig.session("2024-06-26 13:00", "2024-06-28 11:00")
        with rig.store() as store:
            events = store.events(run_id)
            fills = _traded(store, run_id)
    assert run_id == first and status == "stopped"
    pending = json.loads(waiting.output)["split_pending"]
    assert pending["splits"] == f"{SPLIT_SYMBOL} 4-for-1"
    assert _ny(pd.Timestamp(pending["since"])) == "Wed 26 09:30"
    assert (
        f"trading paused: the broker shows a stock split the market data does not show yet "
        f"({SPLIT_SYMBOL} 4-for-1) since 2024-06-26 13:30:00 UTC" in " ".join(shown.output.split())
    )
    kinds = [(_ny(e.ts), e.kind) for e in events if e.kind.startswith(("split", "recon"))]
    # paused on Wednesday and Thursday (the next session), halted at Friday's first cycle
    assert kinds == [("Wed 26 09:30", "split_pending"), ("Fri 28 09:30", "reconciliation_halt")]
    (halt,) = [e for e in events if e.kind == "reconciliation_halt"]
    assert halt.message.startswith("trading HALTED, the broker and the store disagree: ")
    assert f"{SPLIT_SYMBOL}" in halt.message and "tradewind resume --confirm" in halt.message
    assert [e for e in events if e.kind == "position_split"] == []
    assert [k for k, _ in _store(tmp_path)["halts"]] == ["reconciliation"]
    assert [t for t in fills if t[:3] in ("Wed", "Thu", "Fri")] == []  # nothing traded since


BOOKINGS = ("cash_income", "split_pending", "position_split")
"""The events of what reconciliation books, or waits for."""


def test_alpaca_dividend_paid_while_a_split_waits_is_booked_and_the_split_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wednesday before the open the broker credits AAPL's dividend (ex Tuesday) and splits
    # MSFT 4-for-1: the cash is explained by the dividend it lists, the positions by a split
    # the data shows that evening. Before, neither rule explained both: a halt on Wednesday.
    truth = _truth()
    truth.add_split(SPLIT_SYMBOL, SPLIT_DAY, 4.0)
    dividend = Dividend("AAPL", "2024-06-25", _pay_at(SPLIT_DAY), 0.52)
    truth.add_dividend(dividend.symbol, dividend.ex_date, dividend.per_share)
    with make_rig("alpaca", tmp_path, truth, truth, monkeypatch) as rig:
        rig.market.dividends = [dividend]
        run_id, status = rig.session("2024-06-24 10:00", "2024-06-27 10:40")
        with rig.store() as store:
            events = store.events(run_id)
            traded = _traded(store, run_id)

    assert status == "stopped" and dividend.paid
    assert _halts(events) == []
    kinds = [(_ny(e.ts), e.kind) for e in events if e.kind in BOOKINGS]
    assert kinds == [
        ("Wed 26 09:30", "cash_income"),
        ("Wed 26 09:30", "split_pending"),
        ("Thu 27 09:30", "position_split"),
    ]
    (income,) = [e for e in events if e.kind == "cash_income"]
    assert income.data["symbol"] == "AAPL" and income.data["amount"] == dividend.paid
    assert not [t for t in traded if t.startswith("Wed 26")]
    assert [t for t in traded if t.startswith("Thu 27")]  # it traded on after the booking


# --- Webull: dividends paid sessions after their ex-dates -------------------------------------


def _pay_at(day: str) -> pd.Timestamp:
    """07:00 New York on ``day``: before that session's open."""
    return pd.Timestamp(f"{day} 07:00", tz=NY).tz_convert("UTC")


def _fills_cash(store: Store, run_id: int) -> float:
    """The cash the run's fills left of its starting capital."""
    cash = store.run(run_id).initial_cash
    for _, f in store.fills_by_id(run_id):
        sign = 1.0 if f.side is Side.BUY else -1.0
        cash -= sign * f.quantity * f.price + f.commission + f.slippage + f.impact
    return cash


def _dividend_truth(count: int = 2) -> tuple[Truth, list[Dividend]]:
    """The market with the first ``count`` of two dividends, and those dividends."""
    truth = _truth()
    paid = [
        Dividend("AAPL", "2024-06-25", _pay_at("2024-06-28"), 0.52),
        Dividend("AMZN", "2024-06-26", _pay_at("2024-07-01"), 1.37),
    ][:count]
    for d in paid:
        truth.add_dividend(d.symbol, d.ex_date, d.per_share)
    return truth, paid


def test_webull_dividends_are_booked_from_the_data_on_their_pay_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth, paid = _dividend_truth()
    with make_rig("webull", tmp_path, truth, truth, monkeypatch) as rig:
        rig.market.dividends = paid
        run_id, status = rig.session("2024-06-24 10:00", "2024-07-01 11:00")
        with rig.store() as store:
            events = store.events(run_id)
            cycles = store.cycles(run_id)
            held = [_held_at(store, run_id, _open(d.ex_date))[d.symbol] for d in paid]
            fills_cash = _fills_cash(store, run_id)
        exchange_cash = rig.exchange.cash

    assert status == "stopped"
    assert _halts(events) == []
    assert all(h > 0 for h in held)  # the run held both over their ex-dates
    assert [d.shares for d in paid] == held  # the broker paid what the book held at the open
    income = [e for e in events if e.kind == "cash_income"]
    # each booked at its pay date's first cycle, from the data: shares held x dividend
    assert [(_ny(e.ts), e.data["activity_id"], e.data["amount"]) for e in income] == [
        ("Fri 28 09:30", "data:div:AAPL:2024-06-25", round(held[0] * 0.52, 2)),
        ("Mon 01 09:30", "data:div:AMZN:2024-06-26", round(held[1] * 1.37, 2)),
    ]
    assert [e.data["amount"] for e in income] == [d.paid for d in paid]
    # the run's cash: what its fills left plus exactly the dividends, as the broker's
    last = cycles[-1]
    assert _ny(last.ts) == "Mon 01 10:30"  # it traded on
    assert last.cash == pytest.approx(fills_cash + sum(d.paid or 0.0 for d in paid), abs=1e-6)
    assert last.cash == pytest.approx(exchange_cash, abs=0.005)


def test_webull_a_deposit_paid_with_a_dividend_still_halts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth, paid = _dividend_truth(1)  # the one dividend due: the deposit is all that is left
    with make_rig("webull", tmp_path, truth, truth, monkeypatch) as rig:
        rig.market.dividends = paid
        rig.market.deposits = [(paid[0].pay_at, 500.0)]
        run_id, status = rig.session("2024-06-24 10:00", "2024-06-28 11:00")
        with rig.store() as store:
            events = store.events(run_id)

    assert status == "stopped" and paid[0].paid
    assert [e for e in events if e.kind == "cash_income"] == []
    (halt,) = [e for e in events if e.kind == "reconciliation_halt"]
    assert _ny(halt.ts) == "Fri 28 09:30" and "cash: the store says" in halt.message
    assert [k for k, _ in _store(tmp_path)["halts"]] == ["reconciliation"]
