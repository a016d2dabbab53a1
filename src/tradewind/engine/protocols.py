"""The interfaces the engine runs against. Concrete adapters live at the edge (brokers, data...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pandas as pd

from tradewind.domain.arrays import FloatArray
from tradewind.domain.errors import OrderRejected, TransientBrokerError
from tradewind.domain.feed import FeedView
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import ClientOrderId, Order, OrderEvent, OrderRequest
from tradewind.domain.plans import PlannedTrade, Policy, RegimeReading, TargetDecision
from tradewind.domain.records import EngineEvent
from tradewind.domain.types import Regime

SubmitOutcome = list[OrderEvent] | OrderRejected | TransientBrokerError
"""What one order's submission came to: its events, or the refusal :meth:`Broker.submit` raised."""


class Broker(Protocol):
    """Where orders go. Implemented by the simulator and by real broker adapters.

    :meth:`submit_all` is how the engine sends a rebalance. Its contract, for every broker: the
    outcome is that of one :meth:`submit` per request, in order, each :class:`OrderRejected` or
    :class:`TransientBrokerError` that :meth:`submit` would raise returned in its place (and
    every request after it still sent). A broker without a faster way returns
    :func:`submit_each`; the simulator books a rebalance's fills at the close in one batch, with
    the same result to the last bit (``tests/brokers/test_submit_all_contract.py`` holds every
    broker to it).
    """

    name: str

    def submit(self, request: OrderRequest) -> list[OrderEvent]:
        """Send an order; return the events known right away (acceptance, maybe fills)."""
        ...

    def submit_all(self, requests: Sequence[OrderRequest]) -> list[SubmitOutcome]:
        """One :meth:`submit` per request, in order, refusals returned (see the class)."""
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


def submit_each(broker: Broker, requests: Sequence[OrderRequest]) -> list[SubmitOutcome]:
    """:meth:`Broker.submit_all` as one :meth:`Broker.submit` per request: each order is sent
    only after the previous one was answered; a refusal is returned in its place."""
    out: list[SubmitOutcome] = []
    for request in requests:
        try:
            out.append(broker.submit(request))
        except (OrderRejected, TransientBrokerError) as exc:
            out.append(exc)
    return out


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
        """Why a rebalance fires now (empty: it does not).

        ``target`` is what drift is measured against: None before the first targets, and while
        a capped rebalance is still being carried out (the carry is what closes that drift).
        """
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

    def skipped(self) -> list[str]:
        """The trades the last :meth:`plan` left out and why (minimum trade value, maximum
        trades, cash), as notes for the decision log."""
        ...

    def capped(self) -> int:
        """How many trades the last :meth:`plan` left out only because of the cap on trades per
        rebalance (``max_trades_per_rebalance``): the engine carries them to the next cycles."""
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
