"""Tables of the decision log: the database's mode stamp, runs, cycles and what each cycle left
behind (equity, positions and cumulative costs), all written in the cycle's one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.store.schema.base import Base


class MetaRow(Base):
    """Key/value facts about the database itself (``mode``: which trading mode owns it)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class RunRow(Base):
    """One start of the engine, from start to stop (or crash)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    run_tag: Mapped[str] = mapped_column(String(32))
    config_fingerprint: Mapped[str] = mapped_column(String(64))
    symbols: Mapped[list[Any]]
    initial_cash: Mapped[float]
    config: Mapped[dict[str, Any] | None]
    code_version: Mapped[str | None] = mapped_column(String(32))


class CycleRow(Base):
    """One pass of the cycle: its inputs' fingerprint, the regime and, if any, the decision."""

    __tablename__ = "cycles"
    __table_args__ = (UniqueConstraint("run_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    ts: Mapped[datetime]
    inputs_fingerprint: Mapped[str] = mapped_column(String(64))
    regime: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float | None]
    is_decision: Mapped[bool]
    method: Mapped[str | None] = mapped_column(String(64))
    reasons: Mapped[list[Any]]
    targets: Mapped[dict[str, Any] | None]
    orders: Mapped[list[Any]]
    notes: Mapped[list[Any]]
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    equity_before: Mapped[float | None]


class EquitySnapshotRow(Base):
    """The account at the end of a cycle."""

    __tablename__ = "equity_snapshots"
    __table_args__ = (Index(None, "run_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    ts: Mapped[datetime]
    equity: Mapped[float]
    cash: Mapped[float]
    exposure: Mapped[float]
    realized_pnl: Mapped[float]


class PositionSnapshotRow(Base):
    """One non-zero position at the end of a cycle."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("cycle_id", "symbol"), Index(None, "run_id", "ts"))

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    ts: Mapped[datetime]
    symbol: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[float]
    average_cost: Mapped[float]
    price: Mapped[float | None]
    market_value: Mapped[float | None]


class CostTotalsRow(Base):
    """Cumulative transaction costs of the run at the end of a cycle, by kind, in USD."""

    __tablename__ = "costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    ts: Mapped[datetime]
    commission: Mapped[float]
    slippage: Mapped[float]
    impact: Mapped[float]
    traded_notional: Mapped[float]
