"""Deposits and withdrawals: the value a person moved in or out of the run's book.

Scaling a live account up (the runbook's "Gradual Scaling": start with $5-10k, add the rest
after one or two months) or taking money out moves cash no fill explains: reconciliation
halts, and once a person resumed, the difference is adopted into the run's baseline
(:func:`~tradewind.orders.reconcile.adopted_baseline`). What the adoption added to the book,
valued the way the run's equity is, is a **capital flow**: every adopted cash difference
(actual - expected) plus every adopted difference of a traded symbol's position times its last
price. A person's own trade inside the book (buy 10 AAPL with its cash) thus nets to about 0,
and shares transferred in count at their value.

Positions outside the traded symbols (``external``) are not in the run's book or its equity:
buying one with the book's cash is money leaving the book (a withdrawal of what it cost), and
shares of one transferred in add nothing to it.

A flow smaller than :func:`flow_floor` (a dollar, or a thousandth of the book's equity: what a
manual trade's price moved since the last close leaves) is not recorded: it stays in the P&L.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

from tradewind.orders.reconcile import AccountDifference

FLOW_MIN_USD = 1.0
"""A flow below a dollar is never recorded."""
FLOW_MIN_SHARE = 1e-3
"""Nor one below this share of the book's equity (0.1%)."""


def measure_flow(
    diffs: Sequence[AccountDifference],
    traded: Collection[str],
    prices: Mapping[str, float],
) -> float:
    """The value that entered (> 0) or left (< 0) the book with the adopted ``diffs``.

    ``traded`` are the run's symbols (the book's), ``prices`` their last prices; a traded
    symbol without a finite price adds nothing (there is no value to give it).
    """
    total = 0.0
    for d in diffs:
        change = d.actual - d.expected
        if not math.isfinite(change):
            continue
        if d.kind == "cash" or d.symbol is None:
            total += change
        elif d.symbol in traded:
            price = float(prices.get(d.symbol, math.nan))
            if math.isfinite(price):
                total += change * price
    return total


def flow_floor(equity: float) -> float:
    """The smallest flow recorded for a book worth ``equity`` (see the module docstring)."""
    scale = abs(equity) if math.isfinite(equity) else 0.0
    return max(FLOW_MIN_USD, FLOW_MIN_SHARE * scale)


def is_flow(amount: float, equity: float) -> bool:
    """Whether ``amount`` is large enough to be recorded as a flow of a book worth ``equity``."""
    return math.isfinite(amount) and abs(amount) >= flow_floor(equity)
