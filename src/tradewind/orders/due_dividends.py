"""Dividends the market data says are due, told from a real cash difference on a broker that
cannot list its own entries (Webull's OpenAPI, the Webull app).

Such a broker credits a dividend to the cash on its payment date, weeks after the ex-date, with
no fill and nothing tradewind can ask about. The market data lists the dividend on its ex-date
(:class:`~tradewind.domain.actions.CorporateAction`), so the amount due is known: the shares the
book held when the ex-date's session opened, times the dividend a share. Which of them the
broker has paid by now is not known (payment dates are not in the data), so
:func:`settle_due` books a set of them only when it is the one explanation of the difference:

* only a cash difference, alone, and above the expected cash (a payment);
* exactly one set of the unbooked due dividends brings the expected cash to the broker's
  within a cent (:func:`~tradewind.orders.reconcile.cash_differs`); two sets that both would
  (two equal amounts, one paid) are ambiguous, and a person decides, as before;
* anything else (no set matches, a deposit as well) is None: a ``reconciliation`` halt.

Each booked dividend gets the id ``data:div:SYMBOL:EX-DATE``, saved in the baseline with the
broker-listed ids (:attr:`~tradewind.orders.account.Baseline.income_ids`): never booked twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from itertools import combinations

from tradewind.domain.actions import CorporateAction
from tradewind.domain.cash import CashActivity
from tradewind.orders.income import CashSettlement
from tradewind.orders.reconcile import AccountDifference, cash_differs

MAX_DUE = 12
"""The most unbooked due dividends searched for a match (2**12 sets); beyond, only the newest."""

SOURCE = "market data"
"""The ``broker_type`` of a dividend booked from the market data (shown in messages)."""


def dividend_id(action: CorporateAction) -> str:
    """The id a dividend booked from the data carries: ``data:div:AAPL:2026-11-07``."""
    return f"data:div:{action.symbol}:{action.ex_date.isoformat()}"


def due_dividends(
    actions: Sequence[CorporateAction],
    held_at_open: Callable[[CorporateAction], float],
    booked_ids: Collection[str],
) -> list[CashActivity]:
    """The dividends of ``actions`` due to the book and not booked yet, oldest first.

    ``held_at_open`` gives the shares the book held of the action's symbol when its ex-date's
    session opened, after that day's split (0: none, nothing due); only long holdings are paid
    (a short position owes the dividend: left to a person).
    """
    booked = set(booked_ids)
    due: list[CashActivity] = []
    for action in sorted(actions, key=lambda a: (a.at, a.symbol)):
        if action.dividend <= 0.0 or dividend_id(action) in booked:
            continue
        shares = held_at_open(action)
        if shares <= 0.0:
            continue
        due.append(
            CashActivity(
                dividend_id(action),
                "dividend",
                action.symbol,
                round(shares * action.dividend, 2),
                action.ex_date,
                SOURCE,
            )
        )
    return due


def settle_due(
    diffs: Sequence[AccountDifference], others: int, due: Sequence[CashActivity]
) -> CashSettlement | None:
    """The one set of ``due`` dividends that explains ``diffs``, or None (module docstring).

    ``others`` counts the problems beyond ``diffs`` (orders nobody placed...).
    """
    if others or len(diffs) != 1 or diffs[0].kind != "cash" or not due:
        return None
    diff = diffs[0]
    paid = diff.actual - diff.expected
    if not paid > 0.0:
        return None
    candidates = list(due)[-MAX_DUE:]
    found: tuple[CashActivity, ...] | None = None
    for size in range(1, len(candidates) + 1):
        for subset in combinations(candidates, size):
            if cash_differs(diff.expected + sum(a.amount for a in subset), diff.actual):
                continue
            if found is not None:
                return None  # two sets explain it: a person decides
            found = subset
    return CashSettlement(found) if found is not None else None
