"""The optional broker capability to list cash activities (dividends, interest) since a time.

A live broker credits a dividend or interest to the cash with no fill; reconciliation can only
tell such a credit from a real difference when the broker lists it. Capability, by broker:

* a wire (:class:`~tradewind.brokers.wire.BrokerWire`) that can list them implements
  :class:`ActivityWire` (Alpaca: ``GET /v2/account/activities``);
* :class:`~tradewind.brokers.snapshot.SnapshotBroker` answers
  :meth:`~tradewind.brokers.snapshot.SnapshotBroker.cash_activities` for any wire: a list, or
  None when its wire cannot list them (Webull's OpenAPI, the Webull app);
* the simulator lists the dividends it credited (:mod:`tradewind.brokers.sim_actions`: on a
  wall-clock run, from the splits and dividends of its market data; none otherwise);
* :func:`cash_activities` asks any broker, None for those without the method at all.

None means "cannot tell": reconciliation then treats the cash as it always did (an unexplained
credit halts until a person resumes).

The simulator also moves its account's clock only when asked; :func:`catch_up` brings it to the
corporate actions due by the cycle's time before reconciliation reads it, as a real broker has
applied a split before the session opens.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from tradewind.domain.cash import CashActivity

if TYPE_CHECKING:  # annotations only
    import pandas as pd


@runtime_checkable
class ActivityWire(Protocol):
    """A broker wire that lists the cash activities booked to the account."""

    def cash_activities(self, after: datetime) -> list[CashActivity]:
        """Dividends and interest the broker booked after ``after`` (UTC), oldest first.
        Raises :class:`~tradewind.brokers.errors.MalformedReply` naming the field of an entry it
        cannot read: never a silent booking."""
        ...


@runtime_checkable
class CashActivitySource(Protocol):
    """A broker that may be able to list cash activities (None: it cannot)."""

    def cash_activities(self, after: datetime) -> list[CashActivity] | None:
        """Dividends and interest booked after ``after``, oldest first; None when this broker
        cannot list them."""
        ...


def cash_activities(broker: object, after: datetime) -> list[CashActivity] | None:
    """``broker``'s cash activities since ``after``, or None when it cannot list them."""
    if not isinstance(broker, CashActivitySource):
        return None
    return broker.cash_activities(after)


@runtime_checkable
class ActionCatchUp(Protocol):
    """A broker whose account receives the splits and dividends only when asked to move its
    clock (the simulator): a real broker has applied them by the time tradewind looks."""

    def catch_up(self, now: pd.Timestamp) -> int:
        """Apply the actions due by ``now``; how many changed the account."""
        ...


def catch_up(broker: object, now: pd.Timestamp) -> None:
    """Bring ``broker``'s account to ``now``'s corporate actions before it is compared with
    the book (nothing for a broker that applies them itself)."""
    if isinstance(broker, ActionCatchUp):
        broker.catch_up(now)
