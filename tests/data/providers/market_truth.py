"""The 'real' market behind every fake provider: prices as traded, splits and dividends.

Each fake server renders this truth in its own service's format (Yahoo split-adjusts as of the
day asked, Alpaca serves raw bars and lists corporate actions, ...), so the tests can check that
tradewind recovers the same adjusted history from any of them. The adjustment here is written
as plain loops over the events, independently of ``tradewind.data.adjust``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradewind.calendar import nyse


@dataclass
class Truth:
    """Raw daily bars per symbol (naive session dates), with dividends and splits."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    @classmethod
    def random(
        cls,
        symbols: list[str],
        start: str = "2023-01-03",
        end: str = "2024-06-28",
        seed: int = 11,
        first: dict[str, str] | None = None,
    ) -> Truth:
        days = nyse().sessions(start, end)
        rng = np.random.default_rng(seed)
        out = cls()
        for i, symbol in enumerate(symbols):
            close = (50.0 + 30 * i) * np.exp(np.cumsum(rng.normal(0.0004, 0.012, len(days))))
            open_ = np.concatenate([[close[0]], close[:-1]]) * (1 + rng.normal(0, 0.002, len(days)))
            high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, len(days)))
            low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, len(days)))
            frame = pd.DataFrame(
                {
                    "open": open_.round(4),
                    "high": high.round(4),
                    "low": low.round(4),
                    "close": close.round(4),
                    "volume": rng.integers(1_000_000, 9_000_000, len(days)).astype(float),
                    "dividend": 0.0,
                    "split": 1.0,
                },
                index=days,
            )
            if first and symbol in first:
                frame = frame.loc[first[symbol] :]
            out.frames[symbol] = frame
        return out

    def add_split(self, symbol: str, day: str, factor: float) -> None:
        """A ``factor``-for-1 split going ex on ``day``: raw prices from then on are divided."""
        f = self.frames[symbol]
        at = f.index >= pd.Timestamp(day)
        for c in ("open", "high", "low", "close"):
            f.loc[at, c] = (f.loc[at, c] / factor).round(4)
        f.loc[at, "volume"] = f.loc[at, "volume"] * factor
        f.loc[pd.Timestamp(day), "split"] = factor

    def add_dividend(self, symbol: str, day: str, amount: float) -> None:
        """A cash dividend of ``amount`` a share going ex on ``day``."""
        self.frames[symbol].loc[pd.Timestamp(day), "dividend"] = amount

    def upto(self, symbol: str, asof: pd.Timestamp) -> pd.DataFrame:
        """Raw rows of sessions up to ``asof`` (a date)."""
        f = self.frames[symbol]
        return f.loc[f.index <= asof]

    def split_adjusted(self, symbol: str, asof: pd.Timestamp) -> pd.DataFrame:
        """Prices and dividends divided by every split after each row, up to ``asof`` (the way
        Yahoo shows history on ``asof``)."""
        raw = self.upto(symbol, asof)
        out = raw.copy()
        for day, factor in raw["split"].items():
            if factor == 1.0:
                continue
            before = out.index < day
            for c in ("open", "high", "low", "close", "dividend"):
                out.loc[before, c] = out.loc[before, c] / factor
            out.loc[before, "volume"] = out.loc[before, "volume"] * factor
        return out

    def total_return(self, symbol: str, asof: pd.Timestamp) -> pd.Series:
        """Split- and dividend-adjusted closes as of ``asof`` (Yahoo's ``Adj Close``)."""
        adj = self.split_adjusted(symbol, asof)
        closes = adj["close"].copy()
        days = list(adj.index)
        for k, day in enumerate(days):
            amount = adj.loc[day, "dividend"]
            if amount == 0 or k == 0:
                continue
            factor = 1.0 - amount / adj["close"].iloc[k - 1]
            closes.iloc[:k] = closes.iloc[:k] * factor
        return closes
