"""Cash the broker booked apart from any fill (dividends, interest), told from a real difference.

On a live account a dividend is credited to the cash with no order: reconciliation sees cash
above what the fills leave. When the broker can list such entries
(:mod:`tradewind.brokers.activities`), :func:`settle_cash` decides whether they explain the
difference:

* only a cash difference, alone (any position difference, or an order nobody placed, is left to
  a person as before);
* the entries not yet booked (by the broker's id: an entry booked once is never booked again),
  all of them, bring the expected cash to the broker's within a cent
  (:func:`~tradewind.orders.reconcile.cash_differs`), or to a shortfall the regulatory-fee rule
  accepts (:func:`~tradewind.orders.reconcile.broker_fees`);
* anything else (cash the entries do not explain, a deposit or withdrawal, which are never
  listed) is None: the difference latches a ``reconciliation`` halt as it always did.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from tradewind.domain.cash import CashActivity
from tradewind.orders.reconcile import AccountDifference, broker_fees, cash_differs


@dataclass(frozen=True)
class CashSettlement:
    """What explains a cash difference: the broker's entries booked now, and the regulatory fees
    taken with them (USD, 0 when none)."""

    booked: tuple[CashActivity, ...]
    fees: float = 0.0

    @property
    def income(self) -> float:
        """The booked entries' total (USD, signed)."""
        return sum(a.amount for a in self.booked)


def unbooked(activities: Sequence[CashActivity], booked_ids: Collection[str]) -> list[CashActivity]:
    """``activities`` not booked before (each id once, in the broker's order)."""
    seen = set(booked_ids)
    fresh: list[CashActivity] = []
    for a in activities:
        if a.activity_id not in seen:
            seen.add(a.activity_id)
            fresh.append(a)
    return fresh


def settle_cash(
    diffs: Sequence[AccountDifference],
    others: int,
    activities: Sequence[CashActivity],
    booked_ids: Collection[str],
    fees_taken: float,
    fee_allowance: float,
) -> CashSettlement | None:
    """The entries (and fees) that explain ``diffs``, or None (see the module docstring).

    ``others`` counts the problems beyond ``diffs`` (orders nobody placed...), ``activities``
    are the broker's entries since the baseline's cash, ``booked_ids`` those already booked,
    ``fees_taken`` the regulatory fees taken so far and ``fee_allowance`` the most the run may
    take (:func:`~tradewind.orders.reconcile.fee_allowance`).
    """
    if others or len(diffs) != 1 or diffs[0].kind != "cash":
        return None
    fresh = unbooked(activities, booked_ids)
    if not fresh:
        return None
    diff = diffs[0]
    expected = diff.expected + sum(a.amount for a in fresh)
    if not cash_differs(expected, diff.actual):
        return CashSettlement(tuple(fresh))
    rest = [AccountDifference("cash", None, expected, diff.actual)]
    fees = broker_fees(rest, 0, fees_taken, fee_allowance)
    return CashSettlement(tuple(fresh), fees) if fees is not None else None
