"""Tables of operations: engine events, latched halts, the notification outbox and heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.store.schema.base import Base


class EventRow(Base):
    """Something worth an alert or a line on the dashboard."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "ts"), Index(None, "run_id", "ts"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    ts: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None]


class HaltRow(Base):
    """A latched trading halt. Active while ``cleared_at`` is NULL; cleared only by a person."""

    __tablename__ = "halts"
    __table_args__ = (Index(None, "cleared_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    latched_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    cleared_at: Mapped[datetime | None]
    cleared_by: Mapped[str | None] = mapped_column(String(128))
    clear_reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None]


class NotificationRow(Base):
    """One message for one channel, written in the transaction of what it reports (outbox)."""

    __tablename__ = "notifications"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)


class HeartbeatRow(Base):
    """Proof of life of a component at a time."""

    __tablename__ = "heartbeats"
    __table_args__ = (Index(None, "ts"), Index(None, "run_id", "ts"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    ts: Mapped[datetime]
    component: Mapped[str] = mapped_column(String(32))


class StateRow(Base):
    """Named JSON state a component keeps between runs (e.g. the risk breakers' tracker)."""

    __tablename__ = "state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
