"""Stock splits of held positions: when the broker's account differs from the book by a split.

A broker multiplies the shares held before a split's ex-date opens; the market data shows the
split only with the ex-date's bar, after that session's close
(:attr:`~tradewind.domain.actions.CorporateAction.at`). So reconciliation meets a split twice:

* :func:`splits_explain`: the data shows splits not booked yet, and they explain every
  position difference exactly: the book's quantity times the ratio of its symbol's unbooked
  splits (within :data:`~tradewind.orders.reconcile.QTY_TOLERANCE`). For a fraction of a new
  share the broker did not issue (a reverse split), the cash difference must be the cash it paid
  in lieu: at most that fraction times the last price. Without a fraction, a cash difference is
  not the split's doing and is left to the caller's other rules (a dividend paid the same day).
  An unbooked split of a held symbol whose position does not differ stays unbooked: the
  broker's account had it already when the baseline was taken (a run started during the
  split's ex-date session), or the broker applies it later, and a difference then books it.
  The caller books them (:meth:`~tradewind.orders.account.Baseline.with_split`).
* :func:`split_pending`: the data does not show it yet, but every position difference is a
  ratio a split takes (:data:`~tradewind.data.splits.SPLIT_FACTORS` or their inverses, within
  :data:`PENDING_TOLERANCE`) and nothing else differs. The caller trades nothing until the data
  confirms it, for a limited time (:func:`pending_deadline`), then halts as for any difference.

Anything else is ``None``: a difference a person must look at (the reconciliation halt).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tradewind.data.splits import SPLIT_FACTORS
from tradewind.domain.actions import CorporateAction
from tradewind.orders.reconcile import CASH_TOLERANCE, QTY_TOLERANCE, AccountDifference

PENDING_TOLERANCE = 1e-6
"""Largest relative distance between a position's broker/book ratio and a split ratio for a
difference to look like a split the data does not show yet."""


@dataclass(frozen=True)
class SplitBooking:
    """One split that explains a position difference, as the book takes it."""

    action: CorporateAction
    fraction: float = 0.0
    """The part of a new share the broker did not issue (0: none)."""
    cash_in_lieu: float = 0.0
    """The cash the broker paid for that fraction (USD)."""


def unbooked(known: Iterable[CorporateAction], booked_ids: Iterable[str]) -> list[CorporateAction]:
    """The splits among ``known`` (actions the data shows) whose :attr:`split_id` is not among
    ``booked_ids``, oldest first."""
    done = set(booked_ids)
    fresh = {a.split_id: a for a in known if a.is_split and a.split_id not in done}
    return sorted(fresh.values(), key=lambda a: (a.ex_date, a.symbol))


def splits_explain(
    diffs: Sequence[AccountDifference],
    others: int,
    splits: Sequence[CorporateAction],
    prices: Mapping[str, float],
) -> list[SplitBooking] | None:
    """The bookings of ``splits`` (the data's splits not booked yet) that explain the position
    differences of ``diffs`` exactly (see the module docstring), or None. ``others``: problems
    beyond ``diffs``; ``prices``: each symbol's last price (the new shares')."""
    if others or not diffs:
        return None
    by_symbol: dict[str, list[CorporateAction]] = {}
    for a in splits:
        by_symbol.setdefault(a.symbol, []).append(a)
    cash = [d for d in diffs if d.kind == "cash"]
    bookings: list[SplitBooking] = []
    values: dict[str, float] = {}
    for d in diffs:
        if d.kind == "cash":
            continue
        actions = by_symbol.get(d.symbol or "")
        if not actions or d.expected <= 0.0:
            return None
        ratio = math.prod(a.split for a in actions)
        want = d.expected * ratio
        fraction = want - d.actual
        if abs(fraction) <= QTY_TOLERANCE * max(1.0, abs(want)):
            fraction = 0.0
        elif not (0.0 < fraction < 1.0 and _whole(d.actual)):
            return None
        if fraction:
            values[actions[-1].split_id] = fraction * float(prices.get(d.symbol or "", math.nan))
        bookings.extend(SplitBooking(a) for a in actions[:-1])
        bookings.append(SplitBooking(actions[-1], fraction))
    if not values:  # whole shares: any cash difference is left to the other rules
        return bookings if bookings else None
    if not cash:
        return None  # a fraction the broker neither issued nor paid for
    paid = sum(d.actual - d.expected for d in cash)
    allowance = sum(values.values())
    if not (values and math.isfinite(allowance) and 0.0 < paid <= allowance + CASH_TOLERANCE):
        return None
    return _with_cash(bookings, values, paid, allowance)


def _whole(x: float) -> bool:
    return abs(x - round(x)) <= QTY_TOLERANCE * max(1.0, abs(x))


def _with_cash(
    bookings: list[SplitBooking], values: Mapping[str, float], paid: float, allowance: float
) -> list[SplitBooking]:
    """``bookings`` with the cash ``paid`` in lieu shared out in proportion to the value of
    each fraction (``values``, by split id; ``allowance``: their sum)."""
    return [
        SplitBooking(b.action, b.fraction, paid * values[b.action.split_id] / allowance)
        if b.fraction
        else b
        for b in bookings
    ]


@dataclass(frozen=True)
class PendingSplit:
    """A position difference that looks like a split the data does not show yet."""

    symbol: str
    ratio: float
    """Broker's shares per book share (4.0: looks like a 4-for-1 split)."""

    def describe(self) -> str:
        """``AAA looks like a 4-for-1 split``."""
        what = f"{self.ratio:g}-for-1" if self.ratio >= 1.0 else f"1-for-{1.0 / self.ratio:g}"
        return f"{self.symbol} looks like a {what} split"


SPLIT_RATIOS: tuple[float, ...] = tuple(sorted({*SPLIT_FACTORS, *(1.0 / k for k in SPLIT_FACTORS)}))
"""Every ratio a split takes: the factors looked for, both ways."""


def split_pending(diffs: Sequence[AccountDifference], others: int) -> list[PendingSplit] | None:
    """The splits ``diffs`` look like when nothing but held positions differ, each by a split
    ratio (see the module docstring), or None."""
    if others or not diffs:
        return None
    out = []
    for d in diffs:
        if d.kind != "position" or d.symbol is None or d.expected <= 0.0:
            return None
        seen = d.actual / d.expected
        ratio = next((r for r in SPLIT_RATIOS if abs(seen / r - 1.0) <= PENDING_TOLERANCE), None)
        if ratio is None:
            return None
        out.append(PendingSplit(d.symbol, ratio))
    return out


def pending_key(pending: Sequence[PendingSplit]) -> str:
    """Identifies a pending set of splits (a different one starts its own clock)."""
    return ";".join(f"{p.symbol}:{p.ratio:g}" for p in sorted(pending, key=lambda p: p.symbol))


def pending_deadline(since: datetime, next_close: Callable[[datetime], datetime]) -> datetime:
    """How long a split may stay pending: until the close of the session after the one that
    ``since`` falls in (or precedes). The data shows a split with its ex-date's bar, after
    that session's close; the next session's cycles book it. ``next_close``: the first session
    close strictly after a time."""
    first = next_close(since)
    return next_close(first)
