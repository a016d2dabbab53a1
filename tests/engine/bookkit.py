"""What two books must agree on to be the same to the last bit (imported by name: the tests'
own folder is on ``sys.path`` while they run)."""

from __future__ import annotations

import dataclasses
from typing import Any

from tradewind.domain.ledger import Ledger


def book_state(book: Ledger) -> dict[str, Any]:
    """Cash, positions, average costs, realized P&L, traded notional, costs and closed trades,
    as exact values (compare two with ``==``)."""
    return {
        "cash": book.cash,
        "quantity": book.quantity.tolist(),
        "average_cost": book.average_cost.tolist(),
        "realized": book.realized_pnl,
        "traded": book.traded_notional,
        "costs": dataclasses.astuple(book.costs),
        "closed": [dataclasses.astuple(c) for c in book.closed_trades],
    }
