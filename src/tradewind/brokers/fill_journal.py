"""Fills of a real broker's orders, derived once from cumulative quantities and kept.

Alpaca (per order) and Webull's US OpenAPI report an order's *cumulative* fill: quantity and
average price. The order manager needs individual fills that are the same every time they are
reported (a fill is recorded once, by its time, quantity and price), including after a restart
that asks the broker again. So each increase of an order's cumulative quantity becomes one fill
(the increase, at the price that makes the average right, with the fees added since), and it
is committed to this journal before anyone sees it; later reports of the same order give back
exactly the stored fills, plus a new one only when the quantity grew again.

The journal is a small SQLite file next to the database (``<db>.<broker>.fills.db``), one per
broker account, independent of tradewind's store (like the simulator's journal).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tradewind.brokers.errors import MalformedReply
from tradewind.brokers.wire import BrokerOrder
from tradewind.domain.orders import Fill
from tradewind.domain.types import Symbol

QTY_EPS = 1e-9
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS broker_fills (account TEXT NOT NULL, client_order_id TEXT NOT "
    "NULL, seq INTEGER NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL, quantity REAL NOT "
    "NULL, price REAL NOT NULL, commission REAL NOT NULL, ts TEXT NOT NULL, "
    "PRIMARY KEY (account, client_order_id, seq))"
)


class FillJournal:
    """The fills derived so far for one broker account.

    Parameters
    ----------
    path
        The SQLite file, or ``":memory:"``.
    account
        Key of the account in the file (broker name and environment).
    """

    def __init__(self, path: str | Path, account: str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.account = account
        self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute(SCHEMA)

    def close(self) -> None:
        """Close the file."""
        self._conn.close()

    def fills(self, client_order_id: str) -> list[Fill]:
        """The stored fills of an order, oldest first."""
        rows = self._conn.execute(
            "SELECT symbol, side, quantity, price, commission, ts FROM broker_fills WHERE "
            "account = ? AND client_order_id = ? ORDER BY seq",
            (self.account, client_order_id),
        ).fetchall()
        from tradewind.domain.orders import ClientOrderId, Side

        return [
            Fill(
                ClientOrderId(client_order_id),
                Symbol(sym),
                Side(side),
                float(qty),
                float(price),
                datetime.fromisoformat(ts),
                commission=float(fee),
            )
            for sym, side, qty, price, fee, ts in rows
        ]

    def record(self, order: BrokerOrder) -> list[Fill]:
        """Every fill of ``order`` so far: the stored ones, plus a new one (committed first)
        when the broker's cumulative quantity grew.

        Raises
        ------
        MalformedReply
            The broker reports less filled than it did before, or a fill without a price.
        """
        cid = order.client_order_id
        known = self.fills(cid)
        done = sum(f.quantity for f in known)
        grown = order.filled_quantity - done
        if grown < -QTY_EPS * max(1.0, done):
            raise MalformedReply(
                f"{cid}: the broker now reports {order.filled_quantity:g} filled, less than the "
                f"{done:g} it reported before"
            )
        if grown <= QTY_EPS * max(1.0, order.filled_quantity):
            return known
        if not order.average_price > 0:
            raise MalformedReply(
                f"{cid}: the broker reports {order.filled_quantity:g} filled without a price"
            )
        paid = sum(f.quantity * f.price for f in known)
        price = (order.average_price * order.filled_quantity - paid) / grown
        if not price > 0:  # an average that moved against earlier fills: keep the average
            price = order.average_price
        fee = max(order.fees - sum(f.commission for f in known), 0.0)
        ts = order.updated_at.astimezone(UTC)
        fill = Fill(cid, Symbol(order.symbol), order.side, grown, price, ts, commission=fee)
        self._conn.execute(
            "INSERT INTO broker_fills VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.account,
                cid,
                len(known),
                order.symbol,
                order.side.value,
                grown,
                price,
                fee,
                ts.isoformat(),
            ),
        )
        return [*known, fill]
