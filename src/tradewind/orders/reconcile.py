"""Reconcile-before-trade: the broker's account against what the store says it should be.

Run at start-up and before every cycle, after the order manager settled each open order with the
broker (:meth:`~tradewind.orders.manager.OrderManager.reconcile_orders`: missing fills
and status changes are recorded, orders that never reached the broker abandoned). What is left
is compared here: the broker's positions and cash against the run's baseline plus every fill the
store recorded.

A difference nothing explains (a position nobody ordered, an order the broker has and the store
does not, cash that moved without a fill) latches a ``reconciliation`` halt: the service stops
trading, entirely, rather than trade on a wrong picture, and alerts. Once a person has looked and
resumed (``tradewind resume``), the same difference is adopted from the broker's truth: the
run's baseline is shifted so that baseline plus fills equals the broker, the adoption is
recorded as an event, and trading carries on. A new difference latches a new halt.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from tradewind.domain.ledger import Ledger
from tradewind.orders.account import Baseline

HALT_KIND = "reconciliation"
QTY_TOLERANCE = 1e-6
CASH_TOLERANCE = 0.01
FEE_ROUNDING_PER_FILL = 0.03
"""Cents a fill may add to the broker's fees: each of the SEC fee, FINRA's TAF and the CAT fee
is rounded up to the cent (per order or per day, by broker)."""


class HaltRecord(Protocol):
    """What reconciliation reads of a latched halt (the store's halt view implements it)."""

    @property
    def kind(self) -> str:
        """The halt's kind (``reconciliation`` for the ones latched here)."""
        ...

    @property
    def active(self) -> bool:
        """True until a person cleared it."""
        ...

    @property
    def data(self) -> Mapping[str, Any] | None:
        """What was recorded with it (the differences' fingerprint)."""
        ...


@dataclass(frozen=True)
class AccountDifference:
    """A position or the cash, as expected from the store and as the broker has it."""

    kind: str
    symbol: str | None
    expected: float
    actual: float
    reserved: float = 0.0
    """The cash set aside (a cash difference's ``actual`` is the broker's cash less it)."""

    def describe(self) -> str:
        """One line for the halt and the event."""
        what = f"position {self.symbol}" if self.kind == "position" else "cash"
        beyond = f" beyond the ${self.reserved:,.2f} set aside" if self.reserved else ""
        return (
            f"{what}: the store says {self.expected:,.6g}, the broker has {self.actual:,.6g}"
            f"{beyond} (difference {self.actual - self.expected:+,.6g})"
        )


def compare_account(
    expected: Ledger,
    positions: Mapping[str, float],
    cash: float,
    external: Mapping[str, float] | None = None,
    reserved: float = 0.0,
) -> list[AccountDifference]:
    """Differences between ``expected`` (baseline plus recorded fills) and the broker.

    ``external`` holds positions outside the traded symbols that a person adopted (not managed
    by tradewind, not a difference while they stay as they are); ``reserved`` the broker's cash
    set aside (:attr:`Baseline.reserved_cash <tradewind.orders.account.Baseline>`): the book's
    cash is compared with the broker's cash less it.
    """
    diffs: list[AccountDifference] = []
    held = {s: float(q) for s, q in positions.items() if q != 0}
    for symbol, qty in (external or {}).items():
        rest = held.get(symbol, 0.0) - qty
        if abs(rest) <= QTY_TOLERANCE * max(1.0, abs(qty)):
            held.pop(symbol, None)
        else:
            held[symbol] = rest
    for i, symbol in enumerate(expected.symbols):
        want = float(expected.quantity[i])
        have = held.pop(symbol, 0.0)
        if abs(want - have) > QTY_TOLERANCE * max(1.0, abs(want)):
            diffs.append(AccountDifference("position", symbol, want, have))
    for symbol, have in sorted(held.items()):
        diffs.append(AccountDifference("position", symbol, 0.0, have))
    own = cash - reserved
    if cash_differs(expected.cash, own):
        diffs.append(AccountDifference("cash", None, expected.cash, own, reserved))
    return diffs


def cash_differs(expected: float, actual: float) -> bool:
    """Whether the broker's cash ``actual`` differs from ``expected`` by more than a cent (or a
    billionth of it, for large accounts); an unusable figure always differs."""
    scale = max(1.0, abs(expected)) * 1e-9
    return not math.isfinite(actual) or abs(actual - expected) > max(CASH_TOLERANCE, scale)


def fee_allowance(bps: float, traded_value: float, fills: int) -> float:
    """The most the broker may have taken as its fees over a run that traded ``traded_value``
    in ``fills`` fills: ``bps`` basis points of it, plus :data:`FEE_ROUNDING_PER_FILL` a fill
    (``broker.fee_allowance_bps``)."""
    if bps <= 0.0:
        return 0.0
    return bps * 1e-4 * traded_value + FEE_ROUNDING_PER_FILL * fills


def broker_fees(
    diffs: Sequence[AccountDifference], others: int, adopted: float, allowance: float
) -> float | None:
    """The cash the broker took as its fees, when that is all there is to explain: ``diffs``
    is a single cash shortfall, nothing else differs (``others``: problems beyond ``diffs``),
    and the fees taken so far (``adopted``) plus this one stay within ``allowance``
    (:func:`fee_allowance`). None otherwise: the difference is one a person must look at."""
    if others or len(diffs) != 1 or diffs[0].kind != "cash":
        return None
    short = diffs[0].expected - diffs[0].actual
    if not (math.isfinite(short) and short > 0.0 and adopted + short <= allowance):
        return None
    return short


def fingerprint(problems: Sequence[str]) -> str:
    """Identifies a set of differences, so a resume adopts exactly what the person saw."""
    return hashlib.sha256("\n".join(sorted(problems)).encode()).hexdigest()[:16]


def decide(problems: Sequence[str], halts: Sequence[HaltRecord]) -> str:
    """What to do about ``problems``: ``trade``, ``blocked`` (halt active), ``adopt``, ``latch``.

    An active reconciliation halt blocks all trading until a person resumes it, even when the
    difference has gone away since (``halts``: the halts that bind the run).
    """
    ours = [h for h in halts if h.kind == HALT_KIND]
    if any(h.active for h in ours):
        return "blocked"
    if not problems:
        return "trade"
    last = ours[-1] if ours else None
    if last is not None and (last.data or {}).get("fingerprint") == fingerprint(problems):
        return "adopt"
    return "latch"


def adopted_baseline(
    baseline: Baseline,
    expected: Ledger,
    diffs: Sequence[AccountDifference],
    prices: Mapping[str, float],
) -> Baseline:
    """The baseline shifted so that it plus the recorded fills equals the broker's account.

    A position the baseline did not hold is valued at ``prices`` (the last known price); a
    difference in a symbol with booked splits is taken in the shares before them.
    """
    positions = dict(baseline.positions)
    external = dict(baseline.external)
    cash = baseline.cash
    for d in diffs:
        if d.kind == "cash" or d.symbol is None:
            cash += d.actual - d.expected
            continue
        if d.symbol not in expected.symbols:
            external[d.symbol] = external.get(d.symbol, 0.0) + d.actual - d.expected
            continue
        qty, cost = positions.get(d.symbol, (0.0, 0.0))
        # the baseline's shares are those before its booked splits (Baseline.splits)
        ratio = baseline.split_ratio(d.symbol)
        new_qty = qty + (d.actual - d.expected) / ratio
        if cost == 0.0:
            i = expected.index_of(d.symbol)
            cost = ratio * (float(expected.average_cost[i]) or float(prices.get(d.symbol, 0.0)))
        if abs(new_qty) <= QTY_TOLERANCE:
            positions.pop(d.symbol, None)
        else:
            positions[d.symbol] = (new_qty, cost if np.isfinite(cost) else 0.0)
    kept = {s: q for s, q in external.items() if q != 0}
    return replace(baseline, cash=cash, positions=positions, external=kept)
