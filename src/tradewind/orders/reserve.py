"""Cash set aside: the part of a larger broker account that a run never trades.

The runbook starts live with ``trading.initial_capital: 10000``; the account it is given may
hold more. With ``trading.larger_account: set_aside`` (the default) a paper or live run's first
start keeps the excess apart as **reserved cash**
(:attr:`Baseline.reserved_cash <tradewind.orders.account.Baseline>`): not in the run's cash,
book, equity, P&L, exposure or sizing, and reconciliation compares the broker's cash *less* it
with the book's. Only cash can be set aside: positions in the traded symbols stay in the run.

Rules:

1. **At the first start** (:func:`set_aside`): when the cash plus the traded symbols' positions
   (the "managed value") exceed the capital by more than the tolerance, the reserve is
   ``min(cash, managed - capital)``; otherwise nothing is set aside. A restart never computes
   it again: it is in the saved baseline.
2. **Cash the broker books without a fill** (dividends, interest: :mod:`tradewind.orders.income`)
   goes to the run, interest earned by the reserved cash included: the broker does not say
   which cash earned it, and the reserve stays a fixed amount a person can check.
3. **An adopted difference** (a deposit, a withdrawal, a person's own trade;
   :func:`draw_on_reserve`): value that left the account as cash is taken from the reserve
   first, down to zero; the rest, and every deposit, is the run's capital flow
   (:mod:`tradewind.orders.flows`). A withdrawal smaller than the reserve thus leaves the run
   untouched; a deposit always goes to the run (the runbook's "gradual scaling": money added
   is money to trade).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from tradewind.orders.flows import is_flow, measure_flow
from tradewind.orders.reconcile import AccountDifference

SET_ASIDE_TOLERANCE = 0.02
"""How far the managed value may exceed ``trading.initial_capital`` (interest, a price move
between funding and the first start) before anything is set aside or, with ``refuse``, the
start is refused."""


def exceeds_capital(managed: float, capital: float) -> bool:
    """Whether ``managed`` is more than ``capital`` by over :data:`SET_ASIDE_TOLERANCE`."""
    return math.isfinite(managed) and managed > capital * (1.0 + SET_ASIDE_TOLERANCE)


def set_aside(cash: float, managed: float, capital: float) -> float:
    """The cash to set aside at a run's first start (rule 1): ``min(cash, managed - capital)``
    when ``managed`` (cash plus the traded symbols' positions) exceeds ``capital`` beyond the
    tolerance, else 0. Never negative."""
    if not (math.isfinite(cash) and exceeds_capital(managed, capital)):
        return 0.0
    return max(0.0, min(cash, managed - capital))


def draw_on_reserve(
    diffs: Sequence[AccountDifference],
    traded: Collection[str],
    prices: Mapping[str, float],
    reserved: float,
    equity: float,
) -> tuple[float, list[AccountDifference]]:
    """The reserve after an adoption, and the differences as the run's book takes them (rule 3).

    The value that left (``measure_flow`` of ``diffs`` below 0, at least a flow of a book worth
    ``equity``: :func:`~tradewind.orders.flows.is_flow`), as far as it left as cash, is taken
    from ``reserved`` first, down to 0: the cash difference the run sees shrinks by as much.
    Anything else (a deposit, shares moved, a change below the flow floor) leaves the reserve
    as it is and ``diffs`` unchanged.
    """
    out = list(diffs)
    cash_at = [i for i, d in enumerate(out) if d.kind == "cash" or d.symbol is None]
    if reserved <= 0.0 or len(cash_at) != 1:
        return reserved, out
    net = measure_flow(out, traded, prices)
    cash = out[cash_at[0]]
    left_as_cash = cash.expected - cash.actual
    if net >= 0.0 or not is_flow(net, equity) or not left_as_cash > 0.0:
        return reserved, out
    take = min(reserved, -net, left_as_cash)
    out[cash_at[0]] = replace(cash, actual=cash.actual + take, reserved=reserved - take)
    return reserved - take, out
