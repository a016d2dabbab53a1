"""A fill batch booked on columns leaves the ledger exactly as booking its fills one by one."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

import tradewind.domain.ledger as ledger_module
from tradewind.domain.batches import FillBatch
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import ClientOrderId

TS = datetime(2024, 1, 2, 21, 0, tzinfo=UTC)


def _book(symbols: tuple[str, ...], rng: np.random.Generator) -> Ledger:
    book = Ledger(symbols, 1_000_000.0)
    for i, sym in enumerate(symbols):
        if rng.random() < 0.7:
            book.set_position(sym, float(rng.integers(1, 300)), float(rng.uniform(5, 400)))
        if i % 7 == 0:
            book.set_position(sym, 0.3, 12.5)  # a fractional holding a sell closes
    book.cash = float(rng.uniform(-100.0, 50_000.0))
    return book


def _batch(book: Ledger, rng: np.random.Generator, n: int) -> FillBatch:
    col = rng.permutation(len(book.symbols))[:n].astype(np.int64)
    held = book.quantity[col]
    buy = (held == 0) | (rng.random(n) < 0.5)
    whole = rng.random(n) < 0.3
    sell_q = np.where(whole, held, np.ceil(held * rng.uniform(0.1, 1.0, n)))
    qty = np.where(buy, rng.integers(1, 500, n).astype(float) + rng.random(n), sell_q)
    price = rng.uniform(1.0, 900.0, n)
    commission = np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.0, 5.0, n))
    slippage = qty * price * rng.uniform(0.0, 0.002, n)
    impact = qty * price * rng.uniform(0.0, 0.001, n)
    ids = [ClientOrderId(f"id{k}") for k in range(n)]
    return FillBatch(
        book.symbols, ids, col, buy, qty, price, commission, slippage, impact, TS
    )  # fmt: skip


def _state(book: Ledger) -> dict[str, Any]:
    return {
        "cash": book.cash,
        "quantity": book.quantity.tobytes(),
        "average_cost": book.average_cost.tobytes(),
        "realized": book.realized_pnl,
        "traded": book.traded_notional,
        "costs": dataclasses.astuple(book.costs),
        "closed": [dataclasses.astuple(c) for c in book.closed_trades],
    }


@pytest.mark.parametrize("n", [2, 5, 20, 48, 49, 200, 500])
@pytest.mark.parametrize("seed", range(6))
def test_a_batch_books_as_its_fills_one_by_one(n: int, seed: int) -> None:
    symbols = tuple(f"S{k:03d}" for k in range(max(n, 20) + 13))
    a, b = (_book(symbols, np.random.default_rng(seed)) for _ in range(2))
    rng = np.random.default_rng(1000 + seed)
    for _ in range(3):  # several batches in a row
        batch = _batch(a, rng, n)
        a.apply_batch(batch)
        for fill in batch.fills():
            b.apply(fill)
        assert _state(a) == _state(b)
    assert any(c.quantity > 0 for c in a.closed_trades)


def test_both_paths_of_the_batch_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    symbols = tuple(f"S{k:03d}" for k in range(40))
    rng = np.random.default_rng(5)
    batch = _batch(_book(symbols, np.random.default_rng(9)), rng, 30)
    rows, vector = (_book(symbols, np.random.default_rng(9)) for _ in range(2))
    rows.apply_batch(batch)  # 30 rows: booked row by row
    monkeypatch.setattr(ledger_module, "SMALL_BATCH", 1)
    vector.apply_batch(batch)  # the same rows on arrays
    assert _state(rows) == _state(vector)


def test_a_batch_that_repeats_a_symbol_is_booked_fill_by_fill() -> None:
    symbols = ("A", "B", "C")
    a, b = Ledger(symbols, 10_000.0), Ledger(symbols, 10_000.0)
    f = np.array
    batch = FillBatch(symbols, [ClientOrderId("x"), ClientOrderId("y"), ClientOrderId("z")],
                      f([0, 1, 0]), f([True, True, False]), f([10.0, 5.0, 4.0]),
                      f([20.0, 30.0, 21.0]), f([1.0, 1.0, 1.0]), f([0.1, 0.2, 0.3]),
                      f([0.0, 0.0, 0.0]), TS)  # fmt: skip
    a.apply_batch(batch)
    b.apply_all(batch.fills())
    assert _state(a) == _state(b)
    assert a.quantity.tolist() == [6.0, 5.0, 0.0]
