"""The data check before each cycle: bad or stale prices mean no trade and an alert.

A cycle is skipped (nothing traded, the engine not even asked) when a symbol that had a price
on the previous bar now has a NaN, zero or negative one, when every price is unchanged from the
previous bar (a frozen feed), or when the latest bar is older than ``data.stale_after_days``,
or (wall clock) older than its interval allows. Replays run on each bar's own timestamp, so the
age checks only matter on the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from tradewind.data.freshness import Freshness
from tradewind.engine.feed import MarketFeed


@dataclass(frozen=True)
class DataVerdict:
    """Whether the cycle may trade, and why not."""

    ok: bool
    problems: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """The problems in one line."""
        return "; ".join(self.problems)


def check_data(
    feed: MarketFeed,
    t: pd.Timestamp,
    max_age: timedelta | None,
    fresh: Freshness | None = None,
) -> DataVerdict:
    """Advance ``feed`` to ``t`` and judge its current bar (see the module docstring).

    ``fresh`` (wall clock) also requires the latest bar that has ended by ``t`` (one interval
    plus the provider's publication delay, :mod:`tradewind.data.freshness`).
    """
    row = feed.advance(t)
    if row < 0:
        return DataVerdict(True)
    problems: list[str] = []
    bar_time = feed.now
    if max_age is not None and t - bar_time > max_age:
        problems.append(
            f"stale prices: the latest bar is from {bar_time.isoformat()}, "
            f"{t - bar_time} before the cycle (limit {max_age})"
        )
    elif fresh is not None:
        stale = fresh.problem(bar_time, t, feed.index)
        if stale is not None:
            problems.append(stale)
    if row > 0:
        closes = feed.window(2)
        prev, close = closes[0], closes[1]
        priced = np.isfinite(close) & (close > 0)
        for i in np.flatnonzero(np.isfinite(prev) & ~priced):
            problems.append(
                f"{feed.symbols[i]}: price {close[i]} at {bar_time.isoformat()} "
                f"(was {prev[i]:.4g} on the previous bar)"
            )
        compared = np.isfinite(close) & np.isfinite(prev)
        if compared.sum() > 1 and bool(np.all(close[compared] == prev[compared])):
            problems.append(
                f"stale prices: every close at {bar_time.isoformat()} equals the previous bar's"
            )
    return DataVerdict(not problems, tuple(problems))
