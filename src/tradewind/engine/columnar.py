"""The engine's columnar order path: how a cycle's trades reach the broker as one batch.

The engine always plans, checks, submits and books a cycle's trades as a
:class:`~tradewind.domain.batches.TradeBatch`. Parts that work on columns say so by offering
the batch method (:class:`BatchPlanner`, :class:`BatchRisk`, :class:`BatchBroker`); for every
other part the functions here are the default, converting the batch to the objects of the part's
protocol method and back, so paper and live brokers (and any planner or risk hook) run the same
engine code through their ordinary ``plan`` / ``allow`` / ``submit_all``. The results are the
same either way, to the last bit (``tests/engine/test_columnar.py``).

A part offers a batch method by defining it on its class (a wrapper that forwards attribute
reads to another part, as a test's one-by-one broker does, keeps its own protocol methods).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, cast

from tradewind.domain.arrays import FloatArray
from tradewind.domain.batches import FillBatch, OrderBatch, TradeBatch
from tradewind.domain.ledger import Ledger
from tradewind.domain.plans import Policy
from tradewind.engine.protocols import Broker, RiskHook, SubmitOutcome, TradePlanner


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What the submission of an :class:`~tradewind.domain.batches.OrderBatch` came to.

    ``filled``: the leading orders, each filled in full at once (their events would be ``new``
    then ``filled``), as a :class:`~tradewind.domain.batches.FillBatch`, or None; ``rest``: the
    outcome of each later order, as :meth:`Broker.submit_all` returns them.
    """

    filled: FillBatch | None
    rest: list[SubmitOutcome]

    @property
    def done(self) -> int:
        """How many leading orders ``filled`` covers."""
        return len(self.filled) if self.filled is not None else 0


class BatchPlanner(Protocol):
    """A trade planner that plans on columns."""

    def plan_batch(
        self, quantities: FloatArray, prices: FloatArray, cash: float, target: FloatArray
    ) -> TradeBatch:
        """What :meth:`TradePlanner.plan` returns, as a batch."""
        ...


class BatchRisk(Protocol):
    """A risk hook whose pre-trade checks work on columns."""

    def allow_batch(
        self, trades: TradeBatch, book: Ledger, prices: FloatArray, policy: Policy
    ) -> tuple[TradeBatch, list[str]]:
        """What :meth:`RiskHook.allow` returns, as a batch."""
        ...


class BatchBroker(Protocol):
    """A broker that takes a whole batch of market orders at once (the simulator)."""

    def submit_batch(self, orders: OrderBatch) -> BatchOutcome:
        """The outcome of :meth:`Broker.submit_all` of ``orders.requests()``, the leading
        orders that fill in full at once as a fill batch."""
        ...


def plan_batch(
    planner: TradePlanner,
    universe: tuple[str, ...],
    quantities: FloatArray,
    prices: FloatArray,
    cash: float,
    target: FloatArray,
) -> TradeBatch:
    """The planner's trades toward ``target`` as a batch."""
    if _offers(planner, "plan_batch"):
        return cast(BatchPlanner, planner).plan_batch(quantities, prices, cash, target)
    return TradeBatch.of(universe, None, planner.plan(quantities, prices, cash, target))


def allow_batch(
    risk: RiskHook, trades: TradeBatch, book: Ledger, prices: FloatArray, policy: Policy
) -> tuple[TradeBatch, list[str]]:
    """The trades the risk hook lets through (possibly resized), and its notes."""
    if _offers(risk, "allow_batch"):
        return cast(BatchRisk, risk).allow_batch(trades, book, prices, policy)
    passed, notes = risk.allow(trades.trades(), book, prices, policy)
    return TradeBatch.of(trades.universe, book.columns, passed), notes


def submit_batch(broker: Broker, orders: OrderBatch) -> BatchOutcome:
    """Send ``orders``: through the broker's batch method, or :meth:`Broker.submit_all` of
    their requests (every broker's contract: one submit per request, in order)."""
    if _offers(broker, "submit_batch"):
        return cast(BatchBroker, broker).submit_batch(orders)
    return BatchOutcome(None, broker.submit_all(orders.requests()))


def _offers(part: object, method: str) -> bool:
    """True when ``part``'s class defines ``method`` (see the module docstring)."""
    return callable(getattr(type(part), method, None))
