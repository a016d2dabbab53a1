"""A decision whose orders are built on first read behaves as one built with the tuple."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from datetime import UTC, datetime

import pytest

from tradewind.domain.plain import plain
from tradewind.domain.records import (
    Decision,
    OrderRecord,
    OrdersOnRead,
    order_source,
    orders_on_read,
)

T0 = datetime(2024, 1, 2, 21, tzinfo=UTC)
ORDERS = (
    OrderRecord("c0", "AAA", "sell", 3.0, "stop: AAA", 10.5, 1.0, 0.25, 0.0),
    OrderRecord("c1", "BBB", "buy", 7.0, "rebalance", 20.25, 1.5, 0.5, 0.125),
)


class Counted(OrdersOnRead):
    """Builds ``ORDERS`` (a new tuple on its first call only) and counts the calls."""

    __slots__ = ("calls", "made")

    def __init__(self) -> None:
        self.calls = 0
        self.made: tuple[OrderRecord, ...] | None = None

    def records(self) -> tuple[OrderRecord, ...]:
        self.calls += 1
        if self.made is None:
            self.made = tuple(dataclasses.replace(o) for o in ORDERS)
        return self.made


def decision(orders: tuple[OrderRecord, ...]) -> Decision:
    return Decision(T0, "BULL", 0.9, "max_sharpe", ("calendar",), (0.5, 0.5), orders, 1e5, 9e4)


def test_the_orders_are_built_on_first_read_and_compare_as_the_tuple() -> None:
    source = Counted()
    lazy = orders_on_read(decision(()), source)
    eager = decision(ORDERS)
    assert order_source(lazy) is source and source.calls == 0  # nothing built yet
    assert lazy.orders == ORDERS and lazy.orders is lazy.orders and type(lazy.orders) is tuple
    assert lazy == eager and hash(lazy) == hash(eager) and repr(lazy) == repr(eager)
    assert dataclasses.asdict(lazy) == dataclasses.asdict(eager)
    assert json.dumps(plain(lazy), default=str) == json.dumps(plain(eager), default=str)
    assert dataclasses.replace(lazy, equity=1.0) == dataclasses.replace(eager, equity=1.0)
    assert copy.deepcopy(lazy) == eager and copy.copy(lazy) == eager
    assert order_source(eager) is ORDERS


def test_a_pickled_decision_holds_the_records() -> None:
    lazy = orders_on_read(decision(()), Counted())
    assert pickle.dumps(lazy) == pickle.dumps(decision(ORDERS))
    loaded = pickle.loads(pickle.dumps(lazy))  # noqa: S301 - our own bytes
    assert loaded == decision(ORDERS) and order_source(loaded) == ORDERS


def test_the_orders_stay_read_only() -> None:
    lazy = orders_on_read(decision(()), Counted())
    with pytest.raises(dataclasses.FrozenInstanceError):
        lazy.orders = ()  # type: ignore[misc]
    assert lazy.orders == ORDERS
