"""The interfaces the engine runs against. Concrete adapters live at the edge (brokers, data...)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.domain.fastinit import fast_init
from tradewind.domain.orders import ClientOrderId, Order, OrderEvent, OrderRequest, Side
from tradewind.domain.types import Regime
from tradewind.engine.feed import MarketFeed
from tradewind.engine.ledger import Ledger
from tradewind.engine.recorder import EngineEvent
from tradewind.execution.costs import CostBreakdown

FloatArray = npt.NDArray[np.float64]


FillCosts = CostBreakdown
"""The engine's name for :class:`tradewind.execution.CostBreakdown`: one execution's costs."""


class CostModel(Protocol):
    """Prices the costs of an execution (used before trading to estimate, after to account)."""

    def costs(
        self,
        symbol: str,
        side: Side,
        quantity: float,
        price: float,
        *,
        daily_volatility: float | None = None,
        average_daily_volume: float | None = None,
    ) -> FillCosts:
        """Costs of trading ``quantity`` shares of ``symbol`` at ``price``."""
        ...


class Broker(Protocol):
    """Where orders go. Implemented by the simulator and by real broker adapters.

    A broker may also offer ``submit_all(requests)``: the outcome of one :meth:`submit` per
    request, in order, each refusal raised by :meth:`submit` returned in its place. The engine
    then sends a rebalance in one call (the simulator books it in a batch). A wrapper that
    persists or checks each order before it goes out (the order manager, the simulator's
    journal) must not offer it, so every order still passes through its own ``submit``.
    """

    name: str

    def submit(self, request: OrderRequest) -> list[OrderEvent]:
        """Send an order; return the events known right away (acceptance, maybe fills)."""
        ...

    def process(self, now: pd.Timestamp) -> list[OrderEvent]:
        """Events that happened since the last call (fills of resting orders, expiries)."""
        ...

    def cancel(self, client_order_id: ClientOrderId) -> OrderEvent | None:
        """Cancel an open order; None if it is unknown or already final."""
        ...

    def lookup(self, client_order_id: ClientOrderId) -> Order | None:
        """The broker's view of an order by our id, or None if it never arrived."""
        ...

    def open_orders(self) -> list[Order]:
        """Orders that can still fill."""
        ...

    def positions(self) -> Mapping[str, float]:
        """Shares held per symbol (non-zero only)."""
        ...

    def cash(self) -> float:
        """Cash balance in USD."""
        ...


@dataclass(frozen=True, slots=True)
class Policy:
    """What the portfolio may do this cycle (the regime policy resolved against the limits)."""

    method: str
    max_position_size: float
    max_portfolio_risk: float
    cash_buffer: float

    @property
    def invested_fraction(self) -> float:
        """Largest fraction of equity that may be invested: exposure cap minus cash buffer."""
        return max(self.max_portfolio_risk - self.cash_buffer, 0.0)


@dataclass(frozen=True, slots=True)
class RegimeReading:
    """A detector's answer at one time."""

    regime: Regime
    confidence: float
    features: Mapping[str, float]
    is_vix_proxy: bool = False


class RegimeHook(Protocol):
    """Detects the regime from data up to the feed's current bar."""

    def update(self, feed: MarketFeed) -> RegimeReading:
        """The regime as of the feed's current bar."""
        ...


@dataclass(frozen=True)
class TargetDecision:
    """Target weights over the feed's symbols (summing to at most the invested fraction)."""

    weights: FloatArray
    method: str
    fallback_reason: str | None = None
    excluded: tuple[str, ...] = ()
    events: tuple[EngineEvent, ...] = ()
    """What the target model reports (ML ensemble views used, or its fallback alert)."""


class TargetModel(Protocol):
    """Computes target weights from history up to the current bar."""

    history_rows: int
    """Bars of history needed before the first decision."""

    def targets(
        self,
        feed: MarketFeed,
        policy: Policy,
        current: FloatArray,
        exclude: frozenset[str] = frozenset(),
    ) -> TargetDecision:
        """Target weights for ``policy``, given the current weights; ``exclude`` gets 0."""
        ...


class RebalanceTrigger(Protocol):
    """Decides whether this cycle rebalances. Called on every bar, so it can track sessions."""

    def reasons(
        self,
        t: pd.Timestamp,
        current: FloatArray,
        target: FloatArray | None,
        regime: Regime,
        previous_regime: Regime | None,
    ) -> list[str]:
        """Why a rebalance fires now (empty: it does not)."""
        ...


@fast_init
@dataclass(frozen=True, slots=True)
class PlannedTrade:
    """An order the planner proposes, with its estimated costs."""

    symbol: str
    side: Side
    quantity: float
    price: float
    est_costs: FillCosts
    reason: str = "rebalance"


class TradePlanner(Protocol):
    """Turns target weights into trades (sells first)."""

    def plan(
        self,
        quantities: FloatArray,
        prices: FloatArray,
        cash: float,
        target: FloatArray,
    ) -> list[PlannedTrade]:
        """Trades that move ``quantities`` toward ``target`` weights without overspending."""
        ...

    def estimate(self, trades: list[PlannedTrade]) -> list[PlannedTrade]:
        """``trades`` decided elsewhere (risk exits) with their costs estimated like the plan's."""
        ...


class RiskHook(Protocol):
    """Stops, breakers and pre-trade limits (filled in by the risk package)."""

    @property
    def halted(self) -> bool:
        """True while a latched halt blocks new risk."""
        ...

    def on_bar(self, t: pd.Timestamp, feed: MarketFeed, book: Ledger) -> list[PlannedTrade]:
        """Exits forced this bar (stops, flatten-on-halt) and breaker bookkeeping."""
        ...

    def allow(
        self, trades: list[PlannedTrade], book: Ledger, prices: FloatArray, policy: Policy
    ) -> tuple[list[PlannedTrade], list[str]]:
        """The trades that pass pre-trade limits (resized or dropped) and why others did not."""
        ...

    def blocked_buys(self) -> frozenset[str]:
        """Symbols that may not be bought now (stop cool-downs): the optimizer leaves them out."""
        ...

    def drain_events(self) -> list[EngineEvent]:
        """Alerts raised since the last call (stops, warnings, halts, resumes), oldest first."""
        ...
