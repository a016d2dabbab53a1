"""A run's records as arrays, built once, so every week's figures are slices and counts.

:func:`~tradewind.reports.weekly.week_figures` asks the same questions of every week (which
fills, decisions, events and closed trades fall in it, what was held at its end); asked of the
record lists week by week, they cost seconds on an 18-year run (each week rescanned every
record). Here every record's time is an integer (nanoseconds UTC) in one array, so a week's
question is one vectorised comparison. The answers are the same values, taken in the same order,
as the list scans gave: the sums and means are bit for bit those of the week-by-week code
(``tests/reports/test_week_index.py`` checks them against it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tradewind.domain.costs import price_shortfall
from tradewind.domain.orders import Fill
from tradewind.domain.records import Decision, EngineEvent
from tradewind.reports.costs import filled_share
from tradewind.reports.run import is_rebalance


def stamps_ns(times: Iterable[Any]) -> np.ndarray:
    """Each time as integer nanoseconds since the epoch (UTC for tz-aware times, naive times
    read as UTC): ``pd.Timestamp(t).value`` of each, converted together."""
    values = list(times)
    try:
        stamps: np.ndarray = pd.to_datetime(values, utc=True).as_unit("ns").asi8
    except (TypeError, ValueError):  # times pandas will not convert together
        stamps = np.fromiter((pd.Timestamp(t).value for t in values), dtype=np.int64)
    return stamps


def series_sum(values: np.ndarray) -> float:
    """The sum pandas' ``Series.sum`` gives for float values (NaN counted as 0)."""
    if values.size == 0:
        return 0.0
    total = np.add.reduce(values)  # values.sum(): NaN only if a value is NaN (or inf - inf)
    if total == total:
        return float(total)
    nan = np.isnan(values)
    return float(np.where(nan, 0.0, values).sum()) if nan.any() else float(total)


def in_order(ts: np.ndarray) -> bool:
    """True when the times never go back: the records of any window are then one run of
    positions, in record order."""
    return bool(np.all(ts[1:] >= ts[:-1]))


def count_between(ts: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """How many of the times ``ts`` (in any order) fall in each window ``[t0[i], t1[i]]``."""
    ordered = np.sort(ts)
    counts: np.ndarray = np.searchsorted(ordered, t1, "right") - np.searchsorted(ordered, t0)
    return counts


@dataclass(frozen=True)
class WeekBounds:
    """The first and last bar (positions) of every week, in order of the weeks' first bars."""

    first: np.ndarray
    last: np.ndarray
    periods: pd.PeriodIndex

    @classmethod
    def of(cls, week_key: pd.PeriodIndex) -> WeekBounds:
        """The bounds of each week of ``week_key`` (one period per bar)."""
        codes, periods = pd.factorize(week_key)
        _, first = np.unique(codes, return_index=True)
        _, from_end = np.unique(codes[::-1], return_index=True)
        last = len(codes) - 1 - from_end
        return cls(first.astype(int), last.astype(int), pd.PeriodIndex(periods))


@dataclass(frozen=True, eq=False)
class FillIndex:
    """The run's fills and their paired costs (:func:`~tradewind.reports.costs.fill_costs`),
    as columns in fill order."""

    ts: np.ndarray
    cost: np.ndarray
    slip: np.ndarray
    """Realized slippage: the model's plus the price's shortfall against the decision price."""
    notional: np.ndarray
    estimated: np.ndarray
    realized: np.ndarray

    @classmethod
    def of(cls, fills: Sequence[Fill], decisions: Iterable[Decision]) -> FillIndex:
        """The index of ``fills`` paired with their orders' estimates as ``fill_costs`` pairs
        them, each column computed as ``fill_costs`` and ``CostModel.account`` compute it (the
        same terms, in the same order) without two objects per fill."""
        orders = {o.client_order_id: o for d in decisions for o in d.orders}
        slip, estimated, realized = [], [], []
        for f in fills:
            order = orders.get(f.client_order_id)
            if order is None:  # no estimate; the realized cost is what was charged
                e_total, reference = 0.0, None
            else:
                share = filled_share(order, f)
                e_total = (
                    order.est_commission * share
                    + order.est_slippage * share
                    + order.est_impact * share
                )
                reference = order.price
            f_slip = f.slippage + price_shortfall(f, reference)
            slip.append(f_slip)
            estimated.append(e_total)
            realized.append(f.commission + f_slip + f.impact)
        return cls(
            ts=stamps_ns(f.ts for f in fills),
            cost=np.asarray([f.cost for f in fills], dtype=float),
            slip=np.asarray(slip, dtype=float),
            notional=np.asarray([f.notional for f in fills], dtype=float),
            estimated=np.asarray(estimated, dtype=float),
            realized=np.asarray(realized, dtype=float),
        )

    def between(self, t0: int, t1: int) -> np.ndarray:
        """Mask of the fills stamped in ``[t0, t1]``."""
        mask: np.ndarray = (self.ts >= t0) & (self.ts <= t1)
        return mask

    def windows(self, t0: np.ndarray, t1: np.ndarray) -> list[slice | np.ndarray]:
        """For each window ``[t0[i], t1[i]]``, its fills as an index into the columns: the
        same fills in the same order as :meth:`between` selects (a slice when the fills are in
        time order, the mask otherwise)."""
        if in_order(self.ts):
            lo = np.searchsorted(self.ts, t0).tolist()
            hi = np.searchsorted(self.ts, t1, "right").tolist()
            return [slice(a, b) for a, b in zip(lo, hi, strict=True)]
        return [self.between(a, b) for a, b in zip(t0.tolist(), t1.tolist(), strict=True)]


class DecisionIndex:
    """The run's decisions with what a week asks of them, in decision order."""

    def __init__(self, decisions: Sequence[Decision]) -> None:
        self.decisions = decisions
        self.ts = stamps_ns(d.ts for d in decisions)
        self.has_targets = np.asarray([bool(d.targets) for d in decisions], dtype=bool)
        self.rebalance = np.asarray([is_rebalance(d) for d in decisions], dtype=bool)
        self.with_method = self.has_targets & np.asarray(
            [bool(d.method) for d in decisions], dtype=bool
        )

    def rebalances(self, t0: int, t1: int) -> int:
        """Rebalancing decisions in ``[t0, t1]``."""
        return int((self.rebalance & (self.ts >= t0) & (self.ts <= t1)).sum())

    def targets_at(self, t1: int) -> tuple[float, ...]:
        """The targets of the last decision with targets at or before ``t1`` (empty if none)."""
        hits = np.flatnonzero(self.has_targets & (self.ts <= t1))
        return tuple(self.decisions[int(hits[-1])].targets) if len(hits) else ()

    def methods_used(self, t0: int, t1: int) -> list[str]:
        """The methods of the decisions with targets in ``[t0, t1]``, first use first."""
        used: list[str] = []
        for i in np.flatnonzero(self.with_method & (self.ts >= t0) & (self.ts <= t1)):
            method = self.decisions[int(i)].method
            if method not in used:
                used.append(method)
        return used

    def held_before(self, t0: int) -> Decision | None:
        """The last decision with targets and a method before ``t0``."""
        hits = np.flatnonzero(self.with_method & (self.ts < t0))
        return self.decisions[int(hits[-1])] if len(hits) else None

    def rebalance_counts(self, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        """:meth:`rebalances` of each window ``[t0[i], t1[i]]``."""
        return count_between(self.ts[self.rebalance], t0, t1)

    def targets_positions(self, t1: np.ndarray) -> list[int]:
        """For each time of ``t1``, the position of the decision :meth:`targets_at` reads
        (-1 if none)."""
        pos = np.flatnonzero(self.has_targets)
        ts = self.ts[pos]
        if in_order(self.ts):
            last = (np.searchsorted(ts, t1, "right") - 1).tolist()
        else:  # the last in decision order among those at or before each time
            last = [int(hits[-1]) if len(hits := np.flatnonzero(ts <= t)) else -1
                    for t in t1.tolist()]  # fmt: skip
        return [int(pos[j]) if j >= 0 else -1 for j in last]

    def method_windows(self, t0: np.ndarray, t1: np.ndarray) -> list[tuple[list[int], int]]:
        """For each window ``[t0[i], t1[i]]``: the positions of the decisions
        :meth:`methods_used` reads, in decision order, and the position of the decision
        :meth:`held_before` returns (-1 if none)."""
        pos = np.flatnonzero(self.with_method)
        ts = self.ts[pos]
        if in_order(self.ts):
            lo = np.searchsorted(ts, t0).tolist()
            hi = np.searchsorted(ts, t1, "right").tolist()
        else:  # each window's decisions by mask, in decision order
            masks = [(ts >= a) & (ts <= b) for a, b in zip(t0.tolist(), t1.tolist(), strict=True)]
            return [
                (pos[m].tolist(), int(pos[ts < a][-1]) if (ts < a).any() else -1)
                for m, a in zip(masks, t0.tolist(), strict=True)
            ]
        return [
            (pos[a:b].tolist(), int(pos[a - 1]) if a else -1) for a, b in zip(lo, hi, strict=True)
        ]


class EventIndex:
    """The run's events: their times and which are warnings or worse."""

    def __init__(self, events: Sequence[EngineEvent]) -> None:
        self.ts = stamps_ns(e.ts for e in events)
        self.warning = np.asarray([e.severity != "info" for e in events], dtype=bool)

    def warnings(self, t0: int, t1: int) -> int:
        """Events other than ``info`` in ``[t0, t1]``."""
        return int((self.warning & (self.ts >= t0) & (self.ts <= t1)).sum())

    def warning_counts(self, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        """:meth:`warnings` of each window ``[t0[i], t1[i]]``."""
        return count_between(self.ts[self.warning], t0, t1)


class ClosedTrades:
    """Closed round trips in time order, counted and scored up to a time."""

    def __init__(self, trades: Iterable[Any]) -> None:
        ordered = sorted(trades, key=lambda t: t.ts)
        self.ts = stamps_ns(t.ts for t in ordered)
        self.won = np.asarray([t.pnl > 0 for t in ordered], dtype=bool)

    def closed_by(self, t1: int) -> int:
        """Round trips closed at or before ``t1``."""
        return int(np.searchsorted(self.ts, t1, side="right"))

    def win_rate(self, closed: int) -> float | None:
        """The share of the first ``closed`` round trips that gained (None if none)."""
        return float(np.mean(self.won[:closed])) if closed else None

    def closed_by_each(self, t1: np.ndarray) -> list[int]:
        """:meth:`closed_by` of each time of ``t1``."""
        return np.searchsorted(self.ts, t1, "right").tolist()  # type: ignore[no-any-return]

    def win_rates(self, closed: Sequence[int]) -> list[float | None]:
        """:meth:`win_rate` of each count of ``closed``: the wins among the first ``n`` over
        ``n``, both exact integers, so the quotient is the one ``np.mean`` rounds to."""
        wins = np.concatenate([[0], np.cumsum(self.won, dtype=np.int64)]).tolist()
        return [wins[n] / n if n else None for n in closed]
