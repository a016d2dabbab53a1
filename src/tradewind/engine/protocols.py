"""The interfaces the engine runs against. Concrete adapters live at the edge (brokers, data...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd

from tradewind.domain.arrays import FloatArray
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.feed import FeedView
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import ClientOrderId, Order, OrderEvent, OrderRequest, Side
from tradewind.domain.plans import PlannedTrade, Policy, RegimeReading, TargetDecision
from tradewind.domain.records import EngineEvent
from tradewind.domain.types import Regime


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
    ) -> CostBreakdown:
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


class RegimeHook(Protocol):
    """Detects the regime from data up to the feed's current bar."""

    def update(self, feed: FeedView) -> RegimeReading:
        """The regime as of the feed's current bar."""
        ...


class TargetModel(Protocol):
    """Computes target weights from history up to the current bar."""

    history_rows: int
    """Bars of history needed before the first decision."""

    def targets(
        self,
        feed: FeedView,
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

    def state(self) -> dict[str, Any]:
        """What the trigger remembers between cycles, as JSON (for checkpoints)."""
        ...

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put back what :meth:`state` returned (after a restart)."""
        ...


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

    def on_bar(self, t: pd.Timestamp, feed: FeedView, book: Ledger) -> list[PlannedTrade]:
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

    def state(self) -> dict[str, Any]:
        """What the risk hook remembers between cycles, as JSON (for checkpoints)."""
        ...

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put back what :meth:`state` returned, into a freshly built hook (after a restart)."""
        ...
