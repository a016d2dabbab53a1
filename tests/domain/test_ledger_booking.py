"""A book that takes another book's booking of a fill batch ends exactly where booking the
batch itself (or its fills one by one) would have left it, and only takes it from the very
same state."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

import tradewind.domain.ledger as ledger_module
from tradewind.domain.batches import FillBatch
from tradewind.domain.ledger import Booking, Ledger
from tradewind.domain.orders import ClientOrderId

TS = datetime(2024, 1, 2, 21, 0, tzinfo=UTC)
SYMBOLS = tuple(f"S{k:03d}" for k in range(70))


def _book(seed: int) -> Ledger:
    """Some positions (whole, fractional, none), some cash, some history of sums."""
    rng = np.random.default_rng(seed)
    book = Ledger(SYMBOLS, 1_000_000.0)
    for i, sym in enumerate(SYMBOLS):
        if rng.random() < 0.6:
            book.set_position(sym, float(rng.integers(1, 300)), float(rng.uniform(5, 400)))
        if i % 9 == 0:
            book.set_position(sym, 0.3, 12.5)
    book.cash = float(rng.uniform(-50.0, 80_000.0))
    book.realized_pnl, book.traded_notional = 1234.5, 98765.25
    book.costs.commission, book.costs.slippage, book.costs.impact = 3.0, 4.5, 0.25
    return book


def _batch(book: Ledger, seed: int, n: int) -> FillBatch:
    """``n`` fills on distinct symbols: buys into empty and held positions, partial sells,
    sells of the whole position (flat), every cost component."""
    rng = np.random.default_rng(seed)
    col = rng.permutation(len(book.symbols))[:n].astype(np.int64)
    held = book.quantity[col]
    buy = (held == 0) | (rng.random(n) < 0.45)
    whole = rng.random(n) < 0.35
    sell_q = np.where(whole, held, held * rng.uniform(0.05, 0.95, n))
    qty = np.where(buy, rng.integers(1, 400, n) + rng.random(n), sell_q)
    price = rng.uniform(1.0, 900.0, n)
    commission = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.5, 6.0, n))
    slippage = qty * price * rng.uniform(0.0, 0.002, n)
    impact = qty * price * rng.uniform(0.0, 0.001, n)
    ids = [ClientOrderId(f"id{seed}-{k}") for k in range(n)]
    return FillBatch(
        book.symbols, ids, col, buy, qty, price, commission, slippage, impact, TS
    )  # fmt: skip


def _state(book: Ledger) -> dict[str, Any]:
    """The book to the last bit (floats as their bytes, so -0.0 is not 0.0)."""
    t = book.costs
    sums = (book.cash, book.realized_pnl, book.traded_notional, t.commission, t.slippage, t.impact)
    return {
        "quantity": book.quantity.tobytes(),
        "average_cost": book.average_cost.tobytes(),
        "sums": np.array(sums).tobytes(),
        "closed": [
            (c.symbol, c.ts, *np.array([c.quantity, c.entry_price, c.exit_price, c.pnl]).tobytes())
            for c in book.closed_trades
        ],
    }


@pytest.mark.parametrize("n", [2, 3, 20, 48, 49, 70])
@pytest.mark.parametrize("seed", range(4))
def test_the_second_book_takes_the_first_ones_booking_and_ends_the_same(n: int, seed: int) -> None:
    first, second, by_fills = _book(seed), _book(seed), _book(seed)
    for step in range(3):  # several batches in a row, each booked by both books
        batch = _batch(first, 100 * seed + step, n)
        first.apply_batch(batch)
        kept = batch.booking()
        assert isinstance(kept, Booking)
        second.apply_batch(batch)
        by_fills.apply_all(batch.fills())
        assert _state(second) == _state(first) == _state(by_fills)
        taken = second.closed_trades[len(second.closed_trades) - len(kept.closed) :]
        assert all(a is b for a, b in zip(taken, kept.closed, strict=True))  # taken, not rebooked
        assert batch.booking() is None  # taken once, then let go
    assert any(c.quantity > 0 for c in first.closed_trades)
    assert any(q == 0.0 for q in first.quantity.tolist())  # a sell left a position flat


def _nudged(book: Ledger, what: str) -> None:
    """Change ``book``'s state by the least amount the booking can read."""
    if what == "cash":
        book.cash = math.nextafter(book.cash, math.inf)
    elif what == "realized":
        book.realized_pnl = math.nextafter(book.realized_pnl, math.inf)
    elif what == "impact":
        book.costs.impact = math.nextafter(book.costs.impact, math.inf)
    elif what == "negative zero":  # a flat position: equal as a float, another bit pattern
        sym = book.symbols[int(np.flatnonzero(book.quantity == 0)[0])]
        book.set_position(sym, -0.0, -0.0)
    else:
        sym = book.symbols[int(np.flatnonzero(book.quantity)[0])]
        i = book.index_of(sym)
        book.set_position(sym, book.quantity[i], math.nextafter(book.average_cost[i], 0.0))


@pytest.mark.parametrize("what", ["cash", "realized", "impact", "negative zero", "average"])
def test_a_book_in_another_state_books_the_batch_itself(what: str) -> None:
    first, second, by_fills = _book(3), _book(3), _book(3)
    _nudged(second, what)
    _nudged(by_fills, what)
    assert _state(second) != _state(first)
    batch = _batch(first, 7, len(SYMBOLS))  # every column, so the nudged one is read
    first.apply_batch(batch)
    kept = batch.booking()
    second.apply_batch(batch)
    by_fills.apply_all(batch.fills())
    assert _state(second) == _state(by_fills)
    assert batch.booking() is not kept  # the second book kept its own booking


@pytest.mark.parametrize("n", [2, 20, 48, 49])
def test_the_row_and_array_bookings_agree_when_each_books_itself(
    n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _batch(_book(11), 12, n)
    rows, vector, by_fills = _book(11), _book(11), _book(11)
    monkeypatch.setattr(ledger_module, "SMALL_BATCH", 48)
    rows.apply_batch(batch)
    batch.keep_booking(None)  # forget it: the array path books on its own
    monkeypatch.setattr(ledger_module, "SMALL_BATCH", 1)
    vector.apply_batch(batch)
    by_fills.apply_all(batch.fills())
    assert _state(rows) == _state(vector) == _state(by_fills)


def test_a_batch_booked_twice_by_one_book_is_booked_twice() -> None:
    book, by_fills = _book(5), _book(5)
    batch = _batch(book, 6, 12)
    book.apply_batch(batch)
    book.apply_batch(batch)  # the state has moved on: the kept booking does not apply
    for _ in range(2):
        by_fills.apply_all(batch.fills())
    assert _state(book) == _state(by_fills)


def test_a_batch_of_one_row_and_a_repeated_symbol_keep_no_booking() -> None:
    book, by_fills = _book(8), _book(8)
    one = _batch(book, 9, 1)
    book.apply_batch(one)
    assert one.booking() is None
    f = np.array
    repeated = FillBatch(SYMBOLS, [ClientOrderId("x"), ClientOrderId("y")], f([4, 4]),
                         f([True, False]), f([10.0, 4.0]), f([20.0, 21.0]), f([1.0, 1.0]),
                         f([0.1, 0.2]), f([0.0, 0.3]), TS)  # fmt: skip
    book.apply_batch(repeated)
    assert repeated.booking() is None
    by_fills.apply_all([*one.fills(), *repeated.fills()])
    assert _state(book) == _state(by_fills)
