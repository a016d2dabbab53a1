"""The simulated broker of a wall-clock run fills at the prices as traded and applies the splits
and dividends of its data to the account, as a real broker does, the same again on a replay of
its journal."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from tradewind.brokers.activities import cash_activities
from tradewind.brokers.sim import SimulatedBroker
from tradewind.brokers.sim_journal import JournaledSimBroker, SimJournal
from tradewind.config import CommissionSection
from tradewind.domain import ClientOrderId, OrderRequest, OrderStatus, OrderType, Side, Symbol
from tradewind.domain.actions import CorporateAction
from tradewind.domain.market import BarSet
from tradewind.engine.feed import MarketFeed
from tradewind.execution.costs import CostModel

STAMPS = pd.date_range("2024-06-24 20:00", periods=6, freq="D", tz="UTC", name="timestamp")
SETTINGS = {"symbols": ["AAA", "BBB"], "initial_cash": 10_000.0}


def _bars(scale: float) -> BarSet:
    """Two symbols; ``scale`` multiplies AAA's prices (an adjusted copy of the same bars)."""
    frames = {}
    for k, sym in enumerate(("AAA", "BBB")):
        close = (100.0 + 10 * k + np.arange(len(STAMPS), dtype=float)) * (scale if k == 0 else 1)
        frames[sym] = pd.DataFrame(
            {
                "open": close - 0.5,
                "high": close + 1.0,
                "low": close - 1.0,
                "close": close,
                "volume": np.full(len(STAMPS), 1e6),
            },
            index=STAMPS,
        )
    return BarSet(frames)


def _costs() -> CostModel:
    return CostModel(commission=CommissionSection(per_order=1.0), slippage_pct=0.001)


def _sim(actions: tuple[CorporateAction, ...] = (), **kw: object) -> SimulatedBroker:
    """A broker on an adjusted feed (AAA at 0.97 of its traded prices) filling at the traded."""
    return SimulatedBroker(
        MarketFeed(_bars(0.97)),
        _costs(),
        10_000.0,
        prices=MarketFeed(_bars(1.0)),
        actions=actions,
        **kw,  # type: ignore[arg-type]
    )


def _buy(cid: str, qty: float, when: pd.Timestamp, **kw: object) -> OrderRequest:
    return OrderRequest(
        ClientOrderId(cid), Symbol("AAA"), Side.BUY, qty, when.to_pydatetime(), **kw
    )  # type: ignore[arg-type]


def _dividend(day: int, amount: float) -> CorporateAction:
    return CorporateAction("AAA", STAMPS[day].date(), STAMPS[day].to_pydatetime(), 1.0, amount)


def _split(day: int, ratio: float) -> CorporateAction:
    return CorporateAction("AAA", STAMPS[day].date(), STAMPS[day].to_pydatetime(), ratio, 0.0)


def test_fills_at_the_traded_price_though_the_adjusted_feed_differs() -> None:
    sim = _sim()
    sim.advance(STAMPS[1])
    assert sim.feed.current()[0] == 101.0 * 0.97  # what the engine's adjusted data says
    events = sim.submit(_buy("b1", 10, STAMPS[1]))
    fill = events[-1].fill
    assert fill is not None and fill.price == 101.0  # the price as traded
    cash = 10_000.0 - 10 * 101.0 - fill.commission - fill.slippage - fill.impact
    assert sim.cash() == cash


def test_a_split_multiplies_the_shares_exactly_at_its_stamp_and_cancels_open_orders() -> None:
    sim = _sim((_split(3, 4.0),), fill_price="next_open")
    sim.advance(STAMPS[1])
    sim.submit(_buy("b1", 10, STAMPS[1]))
    sim.advance(STAMPS[2])
    sim.process(STAMPS[2])  # filled at the open of bar 2
    assert sim.positions() == {"AAA": 10.0}
    sim.submit(_buy("b2", 5, STAMPS[2]))  # rests until bar 3's open: the split comes first
    sim.advance(STAMPS[3] - pd.Timedelta(seconds=1))
    assert sim.positions() == {"AAA": 10.0}
    cost = sim.ledger.average_cost[0]
    assert sim.advance(STAMPS[3]) == 1  # the split changed the account
    assert sim.positions() == {"AAA": 40.0}
    assert sim.ledger.average_cost[0] == cost / 4.0
    events = sim.process(STAMPS[3])
    assert [(e.status, "split" in e.message) for e in events] == [(OrderStatus.CANCELED, True)]
    assert sim.lookup(ClientOrderId("b2")).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    assert sim.positions() == {"AAA": 40.0}  # applied once
    assert sim.cash_activities(datetime(2024, 1, 1).astimezone()) == []


def test_a_dividend_credits_the_shares_held_times_the_amount_listed_once() -> None:
    sim = _sim((_dividend(3, 0.25),))
    sim.advance(STAMPS[1])
    sim.submit(_buy("b1", 10, STAMPS[1]))
    before = sim.cash()
    sim.advance(STAMPS[2])
    assert sim.cash() == before
    sim.advance(STAMPS[3])
    sim.submit(_buy("b2", 4, STAMPS[3]))  # bought on the ex date: no dividend for these
    after = sim.cash()
    sim.advance(STAMPS[4])
    listed = cash_activities(sim, STAMPS[0].to_pydatetime())
    assert listed is not None and len(listed) == 1
    (div,) = listed
    assert div.activity_id == "sim:div:AAA:2024-06-27"
    assert (div.kind, div.symbol, div.amount, div.on) == ("dividend", "AAA", 2.5, STAMPS[3].date())
    fill = sim.lookup(ClientOrderId("b2")).fills[0]  # type: ignore[union-attr]
    assert after == before + 2.5 - 4 * fill.price - fill.commission - fill.slippage - fill.impact
    assert sim.cash_activities(STAMPS[3].to_pydatetime()) == []  # listed after its stamp only


def test_a_split_and_a_dividend_on_one_day_pay_on_the_new_shares() -> None:
    both = CorporateAction("AAA", STAMPS[3].date(), STAMPS[3].to_pydatetime(), 2.0, 0.1)
    sim = _sim((both,))
    sim.advance(STAMPS[1])
    sim.submit(_buy("b1", 10, STAMPS[1]))
    before = sim.cash()
    sim.process(STAMPS[3])  # the engine's path: the feed moved, then process
    assert sim.positions() == {"AAA": 20.0}
    assert sim.cash() == before + 20 * 0.1


def _journaled(path: Path, actions: tuple[CorporateAction, ...]) -> JournaledSimBroker:
    return JournaledSimBroker(_sim(actions), SimJournal(path), "wall", SETTINGS)


def test_a_replay_after_new_actions_arrive_gives_the_same_account(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    first = _journaled(path, ())  # the data lists no action yet
    first.process(STAMPS[1])
    first.submit(_buy("b1", 10, STAMPS[1]))
    first.submit(_buy("b2", 3, STAMPS[1], order_type=OrderType.LIMIT, limit_price=90.0))
    first.process(STAMPS[2])
    # the next day's data brings a dividend and a split: the broker is rebuilt on it
    actions = (_dividend(3, 0.5), _split(4, 3.0))
    second = _journaled(path, actions)
    assert second.replayed == 3  # two submits and a process with an order open
    assert (second.cash(), second.positions()) == (first.cash(), first.positions())
    second.process(STAMPS[3])  # no order filled: journaled all the same (the dividend)
    second.process(STAMPS[4])  # the split cancels the resting limit order
    assert second.positions() == {"AAA": 30.0}
    assert second.lookup(ClientOrderId("b2")).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    # a rebuild (a crash, or the next bar) replays to the very same account, to the bit
    third = _journaled(path, actions)
    assert third.cash() == second.cash()
    assert third.positions() == second.positions()
    assert third.inner.ledger.average_cost.tolist() == second.inner.ledger.average_cost.tolist()
    assert [o.request.client_order_id for o in third.open_orders()] == []
    since = STAMPS[0].to_pydatetime()
    assert third.cash_activities(since) == second.cash_activities(since)
    assert [a.activity_id for a in third.cash_activities(since)] == ["sim:div:AAA:2024-06-27"]
