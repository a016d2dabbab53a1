"""When each symbol of a run became tradable: symbols whose history starts inside the run.

A symbol listed (or first in the data) after a run starts cannot be held until the optimizer has
``rows_needed`` of its bars; until then it is held at weight 0. :func:`late_joiners` names such
symbols with the date they became tradable, so a run's notes and events can say so instead of
leaving the user to wonder why a symbol was never bought.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradewind.data.checks import float_columns
from tradewind.domain.market import BarSet, TimeLike, to_utc
from tradewind.domain.types import EXCHANGE_TZ


@dataclass(frozen=True)
class LateJoiner:
    """A symbol that was not tradable when the run started.

    Attributes
    ----------
    symbol
        The symbol.
    first_bar
        Its first bar in the data.
    tradable_from
        The bar from which it has ``rows_needed`` bars (None: never within the data).
    rows_needed
        Bars of history the strategy needs before it holds a symbol.
    bars
        How many bars the symbol has in the data.
    """

    symbol: str
    first_bar: pd.Timestamp
    tradable_from: pd.Timestamp | None
    rows_needed: int
    bars: int

    def describe(self) -> str:
        """One line for the run's notes and events."""
        first = _day(self.first_bar)
        need = f"{self.rows_needed} bars of history are needed before it can be held"
        if self.tradable_from is None:
            return (
                f"{self.symbol} joined late: first bar {first}, only {self.bars} bar(s) in the "
                f"data and {need}; it was never tradable and stayed at weight 0"
            )
        return (
            f"{self.symbol} joined late: first bar {first}, tradable from "
            f"{_day(self.tradable_from)} ({need}); held at weight 0 before"
        )


def late_joiners(bars: BarSet, start: TimeLike, rows_needed: int) -> list[LateJoiner]:
    """Symbols of ``bars`` that become tradable only after ``start`` (see the module docstring).

    Only symbols whose first bar comes after the data's first bar are named: when every symbol
    starts together, a run that cannot trade at first lacks warm-up, nothing joined late.

    Parameters
    ----------
    bars
        The run's bars, warm-up included.
    start
        The run's first decision time.
    rows_needed
        Bars of history needed before a symbol is held (1: tradable from its first bar).
    """
    begin = to_utc(start)
    indexes = {s: _closes_index(f) for s, f in bars.frames.items()}
    firsts = [index[0] for index in indexes.values() if len(index)]
    if not firsts:
        return []
    data_start = min(firsts)
    out: list[LateJoiner] = []
    for symbol, index in indexes.items():
        if len(index) == 0 or index[0] <= data_start:
            continue  # present from the data's first bar: a short warm-up, not a late joiner
        at = rows_needed - 1
        tradable = pd.Timestamp(index[at]) if at < len(index) else None
        if tradable is not None and tradable <= begin:
            continue
        out.append(LateJoiner(symbol, pd.Timestamp(index[0]), tradable, rows_needed, len(index)))
    return out


def _closes_index(frame: pd.DataFrame) -> pd.Index:
    """The stamps of ``frame``'s closes that are not NaN (``frame["close"].dropna().index``)."""
    (close,) = float_columns(frame, ("close",))
    keep = ~np.isnan(close)
    return frame.index if keep.all() else frame.index[keep]


def _day(t: pd.Timestamp) -> str:
    local = t.tz_convert(EXCHANGE_TZ) if t.tzinfo is not None else t
    return local.date().isoformat()
