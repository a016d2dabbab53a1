"""What the engine decided, and the events it raised: the decision log's records.

Value types shared by the engine (which writes them), the store (which keeps them), the
reports (which read them) and the risk manager and notifiers (which raise or send events).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tradewind.domain.fastinit import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as the decision log keeps it, with the price it was decided at and the costs
    estimated then (USD; records written before estimates were kept have none)."""

    client_order_id: str
    symbol: str
    side: str
    quantity: float
    reason: str
    price: float | None = None
    est_commission: float = 0.0
    est_slippage: float = 0.0
    est_impact: float = 0.0


@dataclass(frozen=True, slots=True)
class Decision:
    """One cycle that did something (rebalanced, traded, changed regime, or refused to)."""

    ts: datetime
    regime: str
    confidence: float
    method: str
    reasons: tuple[str, ...]
    targets: tuple[float, ...]
    orders: tuple[OrderRecord, ...]
    equity: float
    equity_before: float
    fallback_reason: str | None = None
    notes: tuple[str, ...] = ()


@fast_init
@dataclass(frozen=True, slots=True)
class EngineEvent:
    """Something worth an alert or a line on the dashboard."""

    ts: datetime
    kind: str
    message: str
    severity: str = "info"
