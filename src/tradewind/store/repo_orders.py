"""Orders and fills: persisted before the broker sees them, changed only by applied events.

Usage by an order manager (persist-then-act)::

    stored = store.add_order(run_id, request)      # committed when this returns
    store.mark_submitted(request.client_order_id, now)
    for event in broker.submit(request):
        store.apply_order_event(request.client_order_id, event)

A fill is identified by ``(client_order_id, fill_key)``: the ``fill_key`` argument, else the
fill's ``fill_id`` attribute (the broker's execution id, once the domain ``Fill`` carries one),
else its time, quantity and price. Use one scheme per broker: the same execution recorded under
two keys would count twice (an over-fill is still refused by the order's state machine).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradewind.domain.errors import DuplicateOrderError
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import (
    ApplyResult,
    Fill,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    StoredOrder,
    default_fill_key,
)
from tradewind.store.coltypes import utc
from tradewind.store.core import StoreCore
from tradewind.store.errors import StoreError, UnknownOrderError
from tradewind.store.records import PositionView
from tradewind.store.schema import FillRow, OrderEventRow, OrderRow, RunRow
from tradewind.store.views import OPEN_STATUSES, fill, stored_order


def _fill_key(fill: Fill) -> str:
    """The broker's execution id when the fill carries one (``fill_id``), else the default."""
    broker_id = getattr(fill, "fill_id", None)
    return str(broker_id) if broker_id else default_fill_key(fill)


class OrdersRepo(StoreCore):
    """Orders, their events and fills."""

    def add_order(self, run_id: int, request: OrderRequest) -> StoredOrder:
        """Persist ``request`` as a ``pending_new`` order; committed when this returns.

        Call it BEFORE the broker sees the order.

        Raises
        ------
        DuplicateOrderError
            The ``client_order_id`` is already stored (carries the stored order): look it up at
            the broker instead of submitting again.
        """
        cid = request.client_order_id
        try:
            with self._write() as s:
                if s.get(RunRow, run_id) is None:
                    raise StoreError(f"no run with id {run_id} in this database")
                existing = _order_row(s, cid)
                if existing is not None:
                    raise DuplicateOrderError(stored_order(existing))
                row = _new_order_row(run_id, request)
                s.add(row)
                s.flush()
                return stored_order(row)
        except IntegrityError as exc:  # a concurrent writer stored the same id first
            found = self.order_by_client_id(cid)
            if found is None:
                raise
            raise DuplicateOrderError(found) from exc

    def mark_submitted(self, client_order_id: str, ts: datetime) -> None:
        """Record when the order was handed to the broker (the first time only)."""
        with self._write() as s:
            row = _require(s, client_order_id)
            if row.submitted_at is None:
                row.submitted_at = utc(ts)

    def apply_order_event(
        self, client_order_id: str, event: OrderEvent, *, fill_key: str | None = None
    ) -> ApplyResult:
        """Apply a broker event: status change, fill row and audit row in ONE transaction.

        Idempotent: a fill already recorded under its key, or a fill-less event for a status the
        order has already reached (a replay, possibly late: ``new`` after ``partially_filled``),
        writes nothing and returns ``applied=False``. Only a broker order id not known yet is
        taken from such an event.

        Raises
        ------
        UnknownOrderError
            No stored order has this id.
        IllegalTransition
            The order's state machine refuses the event (nothing is written).
        ValueError
            The fill belongs to another order, symbol or side.
        """
        with self._write() as s:
            row = _require(s, client_order_id, lock=True)
            current = OrderStatus(row.status)
            fill = event.fill
            key = fill_key or (_fill_key(fill) if fill is not None else "")
            if fill is not None:
                _check_fill(row, fill)
                replay = False
                if _fill_seen(s, row, key):
                    return ApplyResult(current, applied=False, fill_recorded=False)
            else:
                replay = _reached(s, row, event.status)
                if replay and not _news(row, event):
                    return ApplyResult(current, applied=False, fill_recorded=False)
            order = stored_order(row).to_order()
            if replay:
                order.broker_order_id = event.broker_order_id  # the only news it brings
            else:
                order.apply(event)  # raises IllegalTransition; nothing written then
            fill_row = _fill_row(row, fill, key) if fill is not None else None
            if fill_row is not None:
                s.add(fill_row)
                s.flush()
            s.add(
                OrderEventRow(
                    order_id=row.id,
                    ts=utc(event.ts),
                    from_status=current.value,
                    to_status=order.status.value,
                    broker_order_id=event.broker_order_id,
                    message=event.message,
                    fill_id=fill_row.id if fill_row is not None else None,
                )
            )
            row.status = order.status.value
            row.filled_quantity = order.filled_quantity
            row.average_price = order.average_price
            row.broker_order_id = order.broker_order_id
            row.message = order.message
            row.updated_at = utc(event.ts)
            return ApplyResult(order.status, applied=True, fill_recorded=fill_row is not None)

    # --- queries -----------------------------------------------------------------------
    def order_by_client_id(self, client_order_id: str) -> StoredOrder | None:
        """The stored order with this client order id, or None."""
        with self._read() as s:
            row = _order_row(s, client_order_id)
            return stored_order(row) if row is not None else None

    def order_by_broker_id(self, broker_order_id: str) -> StoredOrder | None:
        """The stored order the broker knows under ``broker_order_id``, or None."""
        with self._read() as s:
            row = s.scalars(
                select(OrderRow).where(OrderRow.broker_order_id == broker_order_id)
            ).first()
            return stored_order(row) if row is not None else None

    def load_order(self, client_order_id: str) -> Order | None:
        """The domain :class:`Order` (state and fills) for reconciliation, or None."""
        with self._read() as s:
            row = _order_row(s, client_order_id)
            if row is None:
                return None
            fills = s.scalars(
                select(FillRow).where(FillRow.order_id == row.id).order_by(FillRow.ts, FillRow.id)
            )
            return stored_order(row).to_order([fill(f) for f in fills])

    def open_orders(self, run_id: int | None = None) -> list[StoredOrder]:
        """Orders not yet in a terminal state, oldest first (of every run if ``run_id`` is None,
        so a restarted service sees what its previous run left open)."""
        return self.orders(run_id, statuses=OPEN_STATUSES)

    def orders(
        self,
        run_id: int | None = None,
        *,
        since: datetime | None = None,
        statuses: tuple[str, ...] | None = None,
    ) -> list[StoredOrder]:
        """Stored orders, oldest first, filtered by run, creation time and status."""
        with self._read() as s:
            q = select(OrderRow)
            if run_id is not None:
                q = q.where(OrderRow.run_id == run_id)
            if since is not None:
                q = q.where(OrderRow.created_at >= utc(since))
            if statuses is not None:
                q = q.where(OrderRow.status.in_(statuses))
            rows = s.scalars(q.order_by(OrderRow.created_at, OrderRow.id))
            return [stored_order(r) for r in rows]

    def fills(
        self,
        run_id: int | None = None,
        *,
        client_order_id: str | None = None,
        since: datetime | None = None,
    ) -> list[Fill]:
        """Recorded fills in time order (of every run if ``run_id`` is None)."""
        with self._read() as s:
            q = select(FillRow)
            if run_id is not None:
                q = q.where(FillRow.run_id == run_id)
            if client_order_id is not None:
                q = q.where(FillRow.client_order_id == client_order_id)
            if since is not None:
                q = q.where(FillRow.ts >= utc(since))
            return [fill(r) for r in s.scalars(q.order_by(FillRow.ts, FillRow.id))]

    def fills_by_id(self, run_id: int) -> list[tuple[int, Fill]]:
        """The run's fills with their ids, in the order they were recorded (the order the
        engine booked them in, which recovery replays)."""
        with self._read() as s:
            rows = s.scalars(select(FillRow).where(FillRow.run_id == run_id).order_by(FillRow.id))
            return [(r.id, fill(r)) for r in rows]

    def max_fill_id(self, run_id: int) -> int:
        """The highest fill id recorded for the run (0 without fills): a checkpoint's cursor."""
        with self._read() as s:
            value = s.scalar(select(func.max(FillRow.id)).where(FillRow.run_id == run_id))
            return int(value or 0)

    def last_trade(self, run_id: int | None = None) -> Fill | None:
        """The most recent fill."""
        with self._read() as s:
            q = select(FillRow)
            if run_id is not None:
                q = q.where(FillRow.run_id == run_id)
            row = s.scalars(q.order_by(FillRow.ts.desc(), FillRow.id.desc()).limit(1)).first()
            return fill(row) if row is not None else None

    def positions_from_fills(self, run_id: int | None = None) -> dict[str, PositionView]:
        """Positions recomputed by replaying the recorded fills through a :class:`Ledger`.

        Average costs include buying costs, as in the engine's ledger. Only non-zero positions.
        """
        fills = self.fills(run_id)
        book = Ledger(tuple(sorted({f.symbol for f in fills})), 0.0)
        book.apply_all(fills)
        return {
            sym: PositionView(sym, float(book.quantity[i]), float(book.average_cost[i]))
            for i, sym in enumerate(book.symbols)
            if book.quantity[i] != 0
        }


# --- helpers -----------------------------------------------------------------------------
def _order_row(s: Session, cid: str, *, lock: bool = False) -> OrderRow | None:
    q = select(OrderRow).where(OrderRow.client_order_id == cid)
    if lock:
        q = q.with_for_update()
    return s.scalars(q).first()


def _require(s: Session, cid: str, *, lock: bool = False) -> OrderRow:
    row = _order_row(s, cid, lock=lock)
    if row is None:
        raise UnknownOrderError(f"no stored order with client_order_id {cid!r}")
    return row


def _fill_seen(s: Session, row: OrderRow, key: str) -> bool:
    q = select(FillRow.id).where(
        FillRow.client_order_id == row.client_order_id, FillRow.fill_key == key
    )
    return s.scalar(q) is not None


def _reached(s: Session, row: OrderRow, status: OrderStatus) -> bool:
    """Whether the order is, or has been, in ``status`` (a fill-less event for it is a replay)."""
    if status.value == row.status:
        return True
    q = select(OrderEventRow.id).where(
        OrderEventRow.order_id == row.id, OrderEventRow.to_status == status.value
    )
    return s.scalar(q.limit(1)) is not None


def _news(row: OrderRow, event: OrderEvent) -> bool:
    """Whether an event without a status change still tells something new."""
    return bool(event.broker_order_id) and event.broker_order_id != row.broker_order_id


def _check_fill(row: OrderRow, fill: Fill) -> None:
    if fill.client_order_id != row.client_order_id:
        raise ValueError(
            f"fill of order {fill.client_order_id} applied to order {row.client_order_id}"
        )
    if fill.symbol != row.symbol or fill.side.value != row.side:
        raise ValueError(
            f"fill {fill.side.value} {fill.symbol} does not match order {row.client_order_id} "
            f"({row.side} {row.symbol})"
        )


def _new_order_row(run_id: int, r: OrderRequest) -> OrderRow:
    created = utc(r.created_at)
    return OrderRow(
        run_id=run_id,
        client_order_id=r.client_order_id,
        symbol=r.symbol,
        side=r.side.value,
        quantity=float(r.quantity),
        order_type=r.order_type.value,
        limit_price=r.limit_price,
        reason=r.reason,
        created_at=created,
        status=OrderStatus.PENDING_NEW.value,
        filled_quantity=0.0,
        average_price=0.0,
        broker_order_id=None,
        message="",
        updated_at=created,
        submitted_at=None,
    )


def _fill_row(order: OrderRow, f: Fill, key: str) -> FillRow:
    return FillRow(
        order_id=order.id,
        run_id=order.run_id,
        client_order_id=order.client_order_id,
        fill_key=key,
        symbol=f.symbol,
        side=f.side.value,
        quantity=float(f.quantity),
        price=float(f.price),
        commission=float(f.commission),
        slippage=float(f.slippage),
        impact=float(f.impact),
        ts=utc(f.ts),
    )
