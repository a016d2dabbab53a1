"""Tables of order execution: orders (unique ``client_order_id``), their status changes and fills.

A fill is unique by ``(client_order_id, fill_key)``, so a replayed broker event can never count
twice; the order's status, filled quantity and the fill row change in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.store.schema.base import Base


class OrderRow(Base):
    """An order as persisted before the broker sees it, and its current state."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("side IN ('buy', 'sell')", name="side_known"),
        CheckConstraint("filled_quantity >= 0", name="filled_not_negative"),
        Index(None, "run_id"),
        Index(None, "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    client_order_id: Mapped[str] = mapped_column(String(64), unique=True)
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[float]
    order_type: Mapped[str] = mapped_column(String(16))
    limit_price: Mapped[float | None]
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    filled_quantity: Mapped[float]
    average_price: Mapped[float]
    broker_order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    message: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]


class FillRow(Base):
    """One execution of an order."""

    __tablename__ = "fills"
    __table_args__ = (
        UniqueConstraint("client_order_id", "fill_key"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index(None, "run_id", "ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    client_order_id: Mapped[str] = mapped_column(String(64))
    fill_key: Mapped[str] = mapped_column(String(128))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[float]
    price: Mapped[float]
    commission: Mapped[float]
    slippage: Mapped[float]
    impact: Mapped[float]
    ts: Mapped[datetime]


class OrderEventRow(Base):
    """One applied status change of an order (the audit trail behind ``orders.status``)."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    ts: Mapped[datetime]
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    broker_order_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    fill_id: Mapped[int | None] = mapped_column(ForeignKey("fills.id"))
