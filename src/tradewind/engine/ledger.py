"""The book of a portfolio: cash, shares, average costs, realized P&L, costs and closed trades.

Amounts are float64 USD; the ledger is the hot path of every backtest, so it works on numpy
arrays indexed like the engine's symbol list. Broker adapters convert to ``Decimal`` at their
boundary. A "closed trade" is every reduction of a position: the shares sold are closed against
the position's average cost (which includes buying costs), net of the sell's costs. Win rate,
profit factor and the consecutive-loss breaker all count these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from tradewind.domain.orders import Fill, Side

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """A realized reduction of a position (see the module docstring)."""

    symbol: str
    ts: datetime
    quantity: float
    entry_price: float
    exit_price: float
    pnl: float


@dataclass(slots=True)
class CostTotals:
    """Cumulative transaction costs by kind, in USD."""

    commission: float = 0.0
    slippage: float = 0.0
    impact: float = 0.0

    @property
    def total(self) -> float:
        """Sum of every kind."""
        return self.commission + self.slippage + self.impact


@dataclass(slots=True)
class Ledger:
    """Cash and positions of one account over a fixed symbol list."""

    symbols: tuple[str, ...]
    cash: float
    quantity: FloatArray = field(init=False)
    average_cost: FloatArray = field(init=False)
    realized_pnl: float = 0.0
    costs: CostTotals = field(default_factory=CostTotals)
    traded_notional: float = 0.0
    closed_trades: list[ClosedTrade] = field(default_factory=list)
    _pos: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.symbols)
        self.quantity = np.zeros(n)
        self.average_cost = np.zeros(n)
        self._pos = {s: i for i, s in enumerate(self.symbols)}

    def index_of(self, symbol: str) -> int:
        """Column of ``symbol``; ``KeyError`` for a symbol the ledger does not track."""
        return self._pos[symbol]

    def values(self, prices: FloatArray) -> FloatArray:
        """Value of each position at ``prices`` (a flat one is worth 0 even without a price)."""
        v: FloatArray = self.quantity * prices
        v[self.quantity == 0] = 0.0
        return v

    def market_value(self, prices: FloatArray) -> float:
        """Value of all positions at ``prices``."""
        return float(self.values(prices).sum())

    def equity(self, prices: FloatArray) -> float:
        """Cash plus the market value of positions at ``prices``."""
        return self.cash + self.market_value(prices)

    def weights(self, prices: FloatArray) -> FloatArray:
        """Position values as fractions of equity."""
        v = self.values(prices)
        eq = self.cash + float(v.sum())
        return v / eq if eq > 0 else np.zeros_like(v)

    def apply(self, fill: Fill) -> None:
        """Book ``fill``: cash, shares, average cost, realized P&L and costs."""
        i = self._pos[fill.symbol]
        qty = fill.quantity
        held = self.quantity[i]
        if fill.side is Side.BUY:
            new_qty = held + qty
            basis = self.average_cost[i] * held + fill.notional + fill.cost
            self.average_cost[i] = basis / new_qty if new_qty > 0 else 0.0
            self.quantity[i] = new_qty
        else:
            entry = self.average_cost[i]
            pnl = (fill.price - entry) * qty - fill.cost
            self.realized_pnl += pnl
            self.closed_trades.append(
                ClosedTrade(fill.symbol, fill.ts, qty, float(entry), fill.price, float(pnl))
            )
            new_qty = held - qty
            if abs(new_qty) <= 1e-9 * max(1.0, abs(held)):
                new_qty = 0.0
                self.average_cost[i] = 0.0
            self.quantity[i] = new_qty
        self.cash += fill.cash_delta
        self.traded_notional += fill.notional
        self.costs.commission += fill.commission
        self.costs.slippage += fill.slippage
        self.costs.impact += fill.impact

    def apply_all(self, fills: Sequence[Fill]) -> None:
        """Book several fills in order."""
        for f in fills:
            self.apply(f)
