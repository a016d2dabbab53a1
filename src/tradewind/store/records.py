"""Values going into the store and coming out of it: frozen dataclasses, never live ORM rows.

Inputs describe what the engine knows at the end of a cycle (:class:`AccountSnapshot`) or what to
notify (:class:`OutboxMessage`); outputs are plain snapshots of stored rows that stay valid after
the transaction that read them has closed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from tradewind.domain.records import OrderRecord

if TYPE_CHECKING:  # annotations only: reading the store needs no numpy (``tradewind status``)
    import numpy as np
    import numpy.typing as npt

    from tradewind.domain.ledger import Ledger

JSONValue = Any
"""What a JSON column holds: dicts, lists, strings, numbers, booleans and None."""

Severity = Literal["debug", "info", "warning", "error", "critical"]
SEVERITIES: tuple[str, ...] = ("debug", "info", "warning", "error", "critical")


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, was {value}")
    return float(value)


# --- inputs -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PositionSnapshot:
    """A non-zero position at the end of a cycle; ``price`` is the mark (None when unknown)."""

    symbol: str
    quantity: float
    average_cost: float
    price: float | None = None

    def __post_init__(self) -> None:
        _finite(f"{self.symbol} quantity", self.quantity)
        _finite(f"{self.symbol} average_cost", self.average_cost)
        if self.price is not None:
            _finite(f"{self.symbol} price", self.price)

    @property
    def market_value(self) -> float | None:
        """``quantity x price``, or None without a price."""
        return None if self.price is None else self.quantity * self.price


@dataclass(frozen=True, slots=True)
class CostSnapshot:
    """Cumulative transaction costs of the run by kind, and the notional traded, in USD."""

    commission: float = 0.0
    slippage: float = 0.0
    impact: float = 0.0
    traded_notional: float = 0.0

    @property
    def total(self) -> float:
        """Commission + slippage + impact."""
        return self.commission + self.slippage + self.impact


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """The account at the end of a cycle: equity, cash, exposure, positions and costs so far.

    Parameters
    ----------
    ts
        The cycle's time (tz-aware).
    equity, cash
        USD, finite.
    exposure
        Invested fraction of equity (sum of position weights).
    positions
        Non-zero positions; zero rows are dropped.
    realized_pnl
        Realized P&L of the run so far, USD.
    costs
        Cumulative costs of the run so far.
    """

    ts: datetime
    equity: float
    cash: float
    exposure: float
    positions: tuple[PositionSnapshot, ...] = ()
    realized_pnl: float = 0.0
    costs: CostSnapshot = field(default_factory=CostSnapshot)

    def __post_init__(self) -> None:
        symbols = [p.symbol for p in self.positions]
        if len(set(symbols)) != len(symbols):
            raise ValueError(f"a symbol appears twice among the positions: {symbols}")
        _finite("equity", self.equity)
        _finite("cash", self.cash)
        _finite("exposure", self.exposure)
        _finite("realized_pnl", self.realized_pnl)

    @classmethod
    def from_ledger(
        cls, ts: datetime, book: Ledger, prices: npt.NDArray[np.float64]
    ) -> AccountSnapshot:
        """Snapshot ``book`` marked at ``prices`` (aligned with ``book.symbols``)."""
        positions = tuple(
            PositionSnapshot(
                sym,
                float(book.quantity[i]),
                float(book.average_cost[i]),
                float(prices[i]) if math.isfinite(prices[i]) else None,
            )
            for i, sym in enumerate(book.symbols)
            if book.quantity[i] != 0
        )
        return cls(
            ts=ts,
            equity=book.equity(prices),
            cash=book.cash,
            exposure=float(book.weights(prices).sum()),
            positions=positions,
            realized_pnl=book.realized_pnl,
            costs=CostSnapshot(
                book.costs.commission,
                book.costs.slippage,
                book.costs.impact,
                book.traded_notional,
            ),
        )


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A notification to enqueue in the same transaction as what it reports.

    ``channel`` is a channel *name* (``discord``, ``telegram``, ``log``), never a URL or token.
    """

    channel: str
    payload: dict[str, JSONValue]
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to record in the same transaction as a state change
    (:meth:`~tradewind.store.repo_ops.OpsRepo.save_state`), with its ``notify`` messages: a
    crash keeps both or neither."""

    run_id: int | None
    kind: str
    message: str
    severity: str = "info"
    ts: datetime | None = None
    data: dict[str, JSONValue] | None = None
    notify: Sequence[OutboxMessage] = ()


# --- outputs ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RunInfo:
    """A stored run."""

    id: int
    mode: str
    name: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    run_tag: str
    config_fingerprint: str
    symbols: tuple[str, ...]
    initial_cash: float
    code_version: str | None


@dataclass(frozen=True, slots=True)
class CycleView:
    """A stored cycle with the equity snapshot written with it."""

    id: int
    run_id: int
    ts: datetime
    inputs_fingerprint: str
    regime: str
    confidence: float | None
    is_decision: bool
    method: str | None
    reasons: tuple[str, ...]
    targets: dict[str, float] | None
    orders: tuple[OrderRecord, ...]
    notes: tuple[str, ...]
    fallback_reason: str | None
    equity_before: float | None
    equity: float
    cash: float
    exposure: float


@dataclass(frozen=True, slots=True)
class PositionView:
    """A position: from a cycle's snapshot (with its mark) or recomputed from fills."""

    symbol: str
    quantity: float
    average_cost: float
    price: float | None = None
    market_value: float | None = None
    ts: datetime | None = None


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """One point of the equity curve."""

    ts: datetime
    equity: float
    cash: float
    exposure: float
    realized_pnl: float


@dataclass(frozen=True, slots=True)
class CostView:
    """Cumulative costs at a cycle."""

    ts: datetime
    costs: CostSnapshot


@dataclass(frozen=True, slots=True)
class EventView:
    """A stored engine event."""

    id: int
    run_id: int | None
    ts: datetime
    kind: str
    severity: str
    message: str
    data: dict[str, JSONValue] | None


@dataclass(frozen=True, slots=True)
class HaltView:
    """A latched halt; ``active`` until a person clears it."""

    id: int
    kind: str
    reason: str
    details: str
    latched_at: datetime
    run_id: int | None
    cleared_at: datetime | None
    cleared_by: str | None
    clear_reason: str | None
    data: dict[str, JSONValue] | None = None

    @property
    def active(self) -> bool:
        """True while not cleared."""
        return self.cleared_at is None


@dataclass(frozen=True, slots=True)
class NotificationView:
    """A notification in the outbox."""

    id: int
    channel: str
    payload: dict[str, JSONValue]
    created_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    dedupe_key: str | None


@dataclass(frozen=True, slots=True)
class RegimeNow:
    """The regime of the latest cycle and since when it has held."""

    regime: str
    confidence: float | None
    since: datetime
    as_of: datetime


@dataclass(frozen=True, slots=True)
class Uptime:
    """Heartbeat coverage of a window (see :meth:`Store.uptime`).

    ``gaps`` are the stretches counted as down, as ``(start, end)``; ``down`` is their total.
    """

    start: datetime
    end: datetime
    expected_interval: timedelta
    heartbeats: int
    down: timedelta
    gaps: tuple[tuple[datetime, datetime], ...]

    @property
    def fraction(self) -> float:
        """Share of the window that was up (1.0 for an empty window)."""
        span = self.end - self.start
        return 1.0 - self.down / span if span > timedelta(0) else 1.0

    @property
    def percent(self) -> float:
        """Uptime in percent."""
        return 100.0 * self.fraction
