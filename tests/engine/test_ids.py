"""Client order ids: deterministic, distinct for distinct orders, never over 32 characters
(Webull's limit, BROKER_FACTS.md), whatever the run tag and the symbol."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.domain.orders import Side
from tradewind.engine.ids import MAX_LEN, client_order_id, client_order_ids, run_tag

T = pd.Timestamp("2024-01-02 16:00", tz="America/New_York")

HEX = "0123456789abcdef"
tags = st.one_of(st.text(alphabet=HEX, max_size=8), st.text(alphabet=HEX, min_size=20, max_size=64))
symbols = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ.", min_size=1, max_size=12)


def test_a_short_id_stays_readable() -> None:
    cid = client_order_id(run_tag("fp"), T, Side.BUY, 3, "AAPL")
    assert cid == f"{run_tag('fp')}-2401021600-B003-AAPL" and len(cid) <= MAX_LEN


@settings(max_examples=300, deadline=None)
@given(tag=tags, symbol=symbols, seq=st.integers(0, 9999), side=st.sampled_from(list(Side)))
def test_ids_never_exceed_32_characters_and_are_deterministic(
    tag: str, symbol: str, seq: int, side: Side
) -> None:
    cid = client_order_id(tag, T, side, seq, symbol)
    assert 0 < len(cid) <= MAX_LEN, (tag, symbol, cid)
    assert cid == client_order_id(tag, T, side, seq, symbol)


@settings(max_examples=200, deadline=None)
@given(tag=st.text(alphabet=HEX, min_size=20, max_size=64), symbol=symbols)
def test_long_run_tags_keep_distinct_orders_distinct(tag: str, symbol: str) -> None:
    ids = {
        client_order_id(tag, T + pd.Timedelta(hours=h), side, seq, symbol)
        for h in range(3)
        for side in Side
        for seq in range(4)
    }
    assert len(ids) == 3 * len(Side) * 4
    other = client_order_id(tag + "0", T, Side.BUY, 0, symbol)
    assert other != client_order_id(tag, T, Side.BUY, 0, symbol)


@pytest.mark.parametrize("tag", ["a1b2c3", "a-very-long-run-tag-of-a-sweep"])
def test_the_ids_of_a_cycle_are_those_of_one_call_per_order(tag: str) -> None:
    t = pd.Timestamp("2024-03-01 21:00", tz="UTC")
    symbols = ["AAPL", "BRK.B", "A-SYMBOL-FAR-TOO-LONG-FOR-AN-ID", "KO"] * 300  # seq past 999
    buys = [k % 3 == 0 for k in range(len(symbols))]
    want = [
        client_order_id(tag, t, Side.BUY if b else Side.SELL, k, s)
        for k, (b, s) in enumerate(zip(buys, symbols, strict=True))
    ]
    assert client_order_ids(tag, t, buys, symbols) == want
    short = [s for s in symbols if len(s) < 8][:40]  # every id readable
    assert client_order_ids(tag, t, buys[:40], short) == [
        client_order_id(tag, t, Side.BUY if b else Side.SELL, k, s)
        for k, (b, s) in enumerate(zip(buys[:40], short, strict=True))
    ]


@settings(max_examples=300, deadline=None)
@given(
    tag=tags,
    orders=st.lists(st.tuples(st.booleans(), symbols), max_size=30),
    others=st.lists(symbols, max_size=3),
    many=st.booleans(),
)
def test_a_cycle_s_ids_from_the_table_are_those_of_one_call_per_order(
    tag: str, orders: list[tuple[bool, str]], others: list[str], many: bool
) -> None:
    if many:  # sequences past 999: four digits
        orders = orders * (1001 // max(len(orders), 1) + 1) if orders else []
    buys = [b for b, _ in orders]
    names = [s for _, s in orders]
    want = [
        client_order_id(tag, T, Side.BUY if b else Side.SELL, k, s)
        for k, (b, s) in enumerate(orders)
    ]
    assert client_order_ids(tag, T, buys, names) == want
    universe = tuple(dict.fromkeys([*others, *names]))  # the symbols, and maybe longer ones
    assert client_order_ids(tag, T, buys, names, universe) == want
    assert client_order_ids(tag, T, buys, names, universe) == want  # its length kept
