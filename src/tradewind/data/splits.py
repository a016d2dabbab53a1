"""Likely unadjusted stock splits: a close-to-close ratio near 1/2, 1/3, 2, 3 ... in a calm series.

A 2-for-1 split that the prices were not adjusted for reads as a -50% day; ``data.max_daily_move``
(75%) lets it through, so a strategy would see a crash that never happened. :func:`find_splits`
names such days so the user can fix the data; it never changes prices.

A day is flagged when both hold:

1. **The ratio is a split ratio.** ``r = close_t / close_{t-1}`` is within ``tolerance`` (relative,
   on the log scale) of ``1/k`` (a k-for-1 split) or ``k`` (a 1-for-k reverse split), for ``k`` in
   :data:`SPLIT_FACTORS` (3-for-2 included).
2. **The prices are otherwise continuous.** The median absolute log return of the
   ``context`` bars on each side (the day itself excluded) is below ``|log k| / CALM_RATIO``:
   the day's move is an order of magnitude beyond the series' ordinary moves.

A genuine -50% day in a calm stock passes both tests, so the result is a warning ("likely"), not
an error; its message says how to tell and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.domain.types import EXCHANGE_TZ

SPLIT_FACTORS: tuple[float, ...] = (1.5, 2.0, 3.0, 4.0, 5.0, 8.0, 10.0, 15.0, 20.0)
"""Split factors looked for, both ways (k-for-1 splits and 1-for-k reverse splits)."""

TOLERANCE = 0.04
"""Largest distance, in log terms (about 4%), between the day's ratio and a split ratio."""

CONTEXT = 10
"""Bars on each side of the day whose moves must be ordinary."""

CALM_RATIO = 8.0
"""The split's log move must exceed this many times the median absolute move around it."""

FIX = (
    "use split-adjusted prices (a file: add an 'Adj Close' column and keep data.adjust: true; "
    "a provider: tradewind data fetch SYMBOL re-reads the adjusted history); if the move was "
    "real, ignore this warning"
)


@dataclass(frozen=True)
class SplitSuspect:
    """One day that looks like an unadjusted split.

    Attributes
    ----------
    position
        Row of the day in the series.
    when
        The day's timestamp.
    before, after
        The previous close and the day's close.
    factor
        The split factor matched: above 1 for a k-for-1 split (prices fall), below 1 for a
        reverse split (prices rise).
    """

    position: int
    when: pd.Timestamp
    before: float
    after: float
    factor: float

    @property
    def ratio(self) -> float:
        """``after / before``."""
        return self.after / self.before

    @property
    def label(self) -> str:
        """``2-for-1``, ``3-for-2`` or ``1-for-10`` (reverse)."""
        k = self.factor if self.factor >= 1 else 1.0 / self.factor
        text = "3-for-2" if abs(k - 1.5) < 1e-9 else f"{k:g}-for-1"
        return text if self.factor >= 1 else f"1-for-{k:g} reverse"

    def describe(self) -> str:
        """The warning's text: the date, the move, the ratio and the split it looks like."""
        day = self.when.tz_convert(EXCHANGE_TZ).date() if self.when.tzinfo else self.when
        return (
            f"close moved {self.ratio - 1:+.1%} from {self.before:g} to {self.after:g} on "
            f"{pd.Timestamp(day).date()} (ratio {self.ratio:.4g}, close to {1 / self.factor:.4g}) "
            f"with otherwise ordinary moves: likely an unadjusted {self.label} split"
        )


def find_splits(
    closes: pd.Series | npt.ArrayLike,
    index: pd.Index | None = None,
    *,
    tolerance: float = TOLERANCE,
    context: int = CONTEXT,
) -> list[SplitSuspect]:
    """Every day of ``closes`` that looks like an unadjusted split (see the module docstring).

    Parameters
    ----------
    closes
        Closing prices in time order (a Series brings its own index).
    index
        Timestamps of ``closes`` when it is an array.
    tolerance, context
        See :data:`TOLERANCE` and :data:`CONTEXT`.
    """
    if isinstance(closes, pd.Series):
        index = closes.index if index is None else index
    c = np.asarray(closes, dtype=float)
    if index is None:
        index = pd.RangeIndex(len(c))
    if len(c) < 3:
        return []
    with np.errstate(divide="ignore", invalid="ignore"):
        moves = np.diff(np.log(c))
    factors = np.log(np.asarray(SPLIT_FACTORS))
    smallest = float(factors.min())
    out: list[SplitSuspect] = []
    for j in (int(i) for i in np.flatnonzero(np.abs(moves) > smallest - tolerance)):
        move = float(moves[j])
        if not np.isfinite(move):
            continue
        distance = np.abs(np.abs(move) - factors)
        best = int(np.argmin(distance))
        if distance[best] > tolerance:
            continue
        around = np.concatenate([moves[max(j - context, 0) : j], moves[j + 1 : j + 1 + context]])
        around = np.abs(around[np.isfinite(around)])
        if len(around) == 0 or np.median(around) * CALM_RATIO >= factors[best]:
            continue
        k = float(SPLIT_FACTORS[best])
        out.append(
            SplitSuspect(
                position=int(j + 1),
                when=pd.Timestamp(index[j + 1]),
                before=float(c[j]),
                after=float(c[j + 1]),
                factor=k if move < 0 else 1.0 / k,
            )
        )
    return out
