"""The feed serves only the past; the simulated broker fills, costs and refuses correctly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradewind.config import CommissionSection
from tradewind.domain import ClientOrderId, OrderRequest, OrderStatus, OrderType, Side, Symbol
from tradewind.domain.errors import DataError, OrderRejected
from tradewind.domain.market import BarSet
from tradewind.engine.clock import ReplayClock
from tradewind.engine.feed import GuardedFeed, LookaheadError, MarketFeed
from tradewind.execution.costs import CostModel


def _bars(n: int = 6) -> BarSet:
    idx = pd.date_range("2024-01-02 21:00", periods=n, freq="D", tz="UTC", name="timestamp")
    frames = {}
    for k, sym in enumerate(("AAA", "BBB")):
        close = 100.0 + 10 * k + np.arange(n, dtype=float)
        frames[sym] = pd.DataFrame(
            {
                "open": close - 0.5,
                "high": close + 1.0,
                "low": close - 1.0,
                "close": close,
                "volume": np.full(n, 1e6),
            },
            index=idx,
        )
    return BarSet(frames)


def FlatCosts() -> CostModel:  # noqa: N802 - reads like the class it builds
    """10 bps slippage, $1 per order."""
    return CostModel(commission=CommissionSection(per_order=1.0), slippage_pct=0.001)


def _req(cid: str, sym: str, side: Side, qty: float, **kw: object) -> OrderRequest:
    return OrderRequest(
        ClientOrderId(cid),
        Symbol(sym),
        side,
        qty,
        pd.Timestamp("2024-01-02").to_pydatetime(),
        **kw,  # type: ignore[arg-type]
    )


def test_feed_reads_end_at_the_current_bar() -> None:
    feed = MarketFeed(_bars())
    feed.advance(feed.index[2] + pd.Timedelta(hours=1))
    assert feed.row == 2
    assert feed.window(10).shape == (3, 2)
    assert feed.current()[0] == 102.0
    with pytest.raises(ValueError, match="only moves forward"):
        feed.advance(feed.index[1])


def test_nothing_is_served_before_the_first_bar() -> None:
    feed = MarketFeed(_bars())
    early = feed.index[0] - pd.Timedelta(hours=1)
    assert feed.advance(early) < 0
    for read in (feed.current, feed.last_close):  # row -1 must not index the last (future) bar
        with pytest.raises(DataError, match="no bar yet"):
            read()
    assert feed.window(5).shape == (0, 2)


def test_guarded_feed_raises_when_asked_for_the_future() -> None:
    bars = _bars()
    clock = ReplayClock(pd.DatetimeIndex(bars["AAA"].index))
    feed = GuardedFeed(bars, clock_now=clock.now)
    ticks = clock.ticks()
    t = next(ticks)
    feed.advance(t)
    feed.window(5)
    with pytest.raises(LookaheadError, match="clock says"):
        feed.advance(t + pd.Timedelta(days=1))


def _broker(fill_price: str = "close", **kw: object):  # type: ignore[no-untyped-def]
    from tradewind.brokers.sim import SimulatedBroker

    feed = MarketFeed(_bars())
    feed.advance(feed.index[0])
    return feed, SimulatedBroker(feed, FlatCosts(), 10_000.0, fill_price=fill_price, **kw)  # type: ignore[arg-type]


def test_market_order_fills_at_close_with_costs_paid_in_cash() -> None:
    _, broker = _broker()
    events = broker.submit(_req("o1", "AAA", Side.BUY, 10))
    assert [e.status for e in events] == [OrderStatus.NEW, OrderStatus.FILLED]
    fill = events[-1].fill
    assert fill is not None and fill.price == 100.0
    assert broker.cash() == pytest.approx(10_000 - 1000 - 1 - 1.0)
    assert broker.positions() == {"AAA": 10.0}


def test_duplicate_client_order_id_is_refused() -> None:
    _, broker = _broker()
    broker.submit(_req("dup", "AAA", Side.BUY, 1))
    with pytest.raises(OrderRejected, match="duplicate client_order_id dup"):
        broker.submit(_req("dup", "AAA", Side.BUY, 1))


def test_next_open_fill_waits_for_the_next_bar() -> None:
    feed, broker = _broker("next_open")
    events = broker.submit(_req("o1", "BBB", Side.BUY, 5))
    assert [e.status for e in events] == [OrderStatus.NEW]
    assert broker.process(feed.index[0]) == []
    feed.advance(feed.index[1])
    events = broker.process(feed.index[1])
    assert events[0].status is OrderStatus.FILLED
    assert events[0].fill is not None and events[0].fill.price == 110.5  # BBB open on bar 1


def test_buys_never_overdraw_cash_and_sells_never_short() -> None:
    _, broker = _broker()
    events = broker.submit(_req("big", "AAA", Side.BUY, 1000))
    assert [e.status for e in events] == [
        OrderStatus.NEW,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.CANCELED,
    ]
    fill = events[1].fill
    assert fill is not None and 0 < fill.quantity < 1000
    assert "insufficient cash" in events[-1].message
    assert broker.cash() >= -1e-6
    assert broker.open_orders() == []
    events = broker.submit(_req("short", "BBB", Side.SELL, 1))
    assert events[-1].status is OrderStatus.REJECTED
    assert "no shorting" in events[-1].message


def test_fractional_quantities_refused_when_not_allowed() -> None:
    _, broker = _broker(fractional=False)
    events = broker.submit(_req("f", "AAA", Side.BUY, 1.5))
    assert events[-1].status is OrderStatus.REJECTED


def test_limit_buy_fills_only_when_the_bar_trades_through() -> None:
    _, broker = _broker()
    miss = broker.submit(
        _req("l1", "AAA", Side.BUY, 1, order_type=OrderType.LIMIT, limit_price=98.0)
    )
    assert [e.status for e in miss] == [OrderStatus.NEW]
    hit = broker.submit(
        _req("l2", "AAA", Side.BUY, 1, order_type=OrderType.LIMIT, limit_price=99.5)
    )
    assert hit[-1].status is OrderStatus.FILLED
    assert hit[-1].fill is not None and hit[-1].fill.price == 99.5


def test_seeded_partial_fills_are_deterministic_and_complete_later() -> None:
    runs = []
    for _ in range(2):
        feed, broker = _broker(partial_fill_prob=1.0, seed=3)
        first = broker.submit(_req("p", "AAA", Side.BUY, 10))
        assert first[-1].status is OrderStatus.PARTIALLY_FILLED
        got = first[-1].fill.quantity  # type: ignore[union-attr]
        runs.append(got)
        feed.advance(feed.index[1])
        broker.partial_fill_prob = 0.0
        rest = broker.process(feed.index[1])
        assert rest[-1].status is OrderStatus.FILLED
        assert broker.positions()["AAA"] == pytest.approx(10.0)
    assert runs[0] == runs[1]


def test_feed_finds_the_same_bar_stepping_or_jumping_and_serves_read_only_rows() -> None:
    stepped, jumped = MarketFeed(_bars()), MarketFeed(_bars())
    times = list(stepped.index)
    for t in times:
        assert stepped.advance(t) == jumped.advance(t + pd.Timedelta(minutes=1))
        assert stepped.now == jumped.now == t
        np.testing.assert_array_equal(stepped.last_close(), jumped.last_close())
    assert stepped.advance(times[-1]) == len(times) - 1  # the same time again: same bar
    assert stepped.last_close() is stepped.last_close()  # one array per bar
    with pytest.raises(ValueError, match="read-only"):
        stepped.last_close()[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        stepped.window(3)[0, 0] = 1.0


@pytest.mark.parametrize(
    ("start", "freq", "periods"),
    [
        ("1962-03-01 14:30", "h", 24 * 400),  # before 1970, hourly across DST changes
        ("1969-12-31 03:00", "30min", 200),  # across 1970 near midnight, New York and UTC
        ("2023-03-10 13:30", "h", 24 * 30),  # the spring DST change
        ("2024-10-30 20:00", "B", 300),  # daily closes across the autumn change
    ],
)
def test_each_bar_knows_its_new_york_session_date(start: str, freq: str, periods: int) -> None:
    index = pd.date_range(start, periods=periods, freq=freq, tz="UTC")
    frame = pd.DataFrame(
        {c: np.full(periods, 10.0) for c in ("open", "high", "low", "close")}
        | {"volume": np.full(periods, 1.0)},
        index=index,
    )
    feed = MarketFeed(BarSet({"AAA": frame}))
    expected = list(index.tz_convert("America/New_York").date)
    assert feed.sessions == expected
    assert [type(d) for d in feed.sessions] == [type(expected[0])] * periods


@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
@pytest.mark.parametrize("unit", ["s", "us", "ns"])
def test_the_feed_says_now_as_its_own_index_stamps_it(tz: str, unit: str) -> None:
    """Whatever the clock's zone and resolution, ``now`` is the feed's own stamp of the row
    (its zone, its unit), stepping bar by bar or jumping."""
    bars = _bars(6)
    feed = MarketFeed(bars)
    for k in (0, 1, 2, 4, 5):
        t = feed.index[k].tz_convert(tz).as_unit(unit)
        assert feed.advance(t) == k
        now = feed.now
        assert now == feed.index[k]
        assert (str(now.tz), now.unit) == (str(feed.index.tz), feed.index.unit)
    between = MarketFeed(bars)
    t = bars["AAA"].index[2] + pd.Timedelta(minutes=1)  # no bar stamped at t: the last one before
    between.advance(t)
    assert between.now == between.index[2] and between.now.unit == between.index.unit


def test_advancing_by_rows_equals_advancing_to_the_stamp() -> None:
    by_rows, by_time = MarketFeed(_bars()), MarketFeed(_bars())
    for feed in (by_rows, by_time):
        feed.advance(feed.index[0])
    t = by_time.index[3]
    assert by_rows.advance_rows(3, t) == by_time.advance(t) == 3
    assert by_rows.now == by_time.now == t
    np.testing.assert_array_equal(by_rows.last_close(), by_time.last_close())
    with pytest.raises(ValueError, match="is not the stamp of the row 1 after row 3"):
        by_rows.advance_rows(1, by_rows.index[5])  # row 4's stamp is another
    with pytest.raises(ValueError, match="row 3 after row 3"):
        by_rows.advance_rows(3, by_rows.index[-1])  # past the end
    with pytest.raises(ValueError, match="row -1 after row 3"):
        by_rows.advance_rows(-1, by_rows.index[2])  # the feed only moves forward
