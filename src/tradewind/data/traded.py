"""The bars as traded and the corporate actions of a source that keeps them: a capability.

A source whose cache holds raw bars (``basis: raw``, :mod:`tradewind.data.providers.base`)
serves adjusted prices (:mod:`tradewind.data.adjust`) yet knows the prices as traded and the
splits and dividends between them. A wall-clock simulated run asks for both
(:func:`tradewind.service.market.load_wall_market`): its broker fills at the traded prices and
applies the actions to its account, as a real broker does, so the account does not change when
a later dividend re-adjusts the history.

By source:

* :class:`~tradewind.data.live.LiveData` (yfinance, alpaca) implements :class:`TradedSource`;
  when a symbol's cache basis is ``current`` (Webull: bars already adjusted, no actions) it has
  no traded bars and no actions to give, for any symbol (:data:`NOTHING_TRADED`);
* the bundled, files and synthetic sources do not implement it: their prices are all there is.

Daily actions are stamped at their ex-date's bar (the session close). Hourly raw frames that
carry actions give each at the first hourly bar of its ex-date session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from tradewind.domain.actions import CorporateAction
from tradewind.domain.market import BarSet, TimeLike

NEW_YORK = "America/New_York"


@dataclass(frozen=True)
class TradedHistory:
    """The bars as traded of some symbols over a window, and their actions.

    Attributes
    ----------
    bars
        Raw OHLCV (prices as traded), stamped and windowed exactly as the adjusted bars the
        source serves; None: the source has no other prices than the adjusted ones.
    actions
        Splits (ratio != 1) and cash dividends (> 0) of those symbols, oldest first.
    """

    bars: BarSet | None
    actions: tuple[CorporateAction, ...] = ()


NOTHING_TRADED = TradedHistory(None, ())
"""What a source answers when its prices are the only ones it has."""


@runtime_checkable
class TradedSource(Protocol):
    """A market data source that can give the bars as traded and the corporate actions."""

    def traded(
        self, symbols: Sequence[str], start: TimeLike | None = None, end: TimeLike | None = None
    ) -> TradedHistory:
        """``symbols``' bars as traded stamped within ``[start, end]`` (the rows of the
        adjusted :meth:`~tradewind.domain.market.MarketData.bars` of the same window, read
        after them) and all their actions; :data:`NOTHING_TRADED` when the source has no
        other prices than its adjusted ones."""
        ...


def traded_frame(raw: pd.DataFrame, stamps: pd.DatetimeIndex) -> pd.DataFrame:
    """The OHLCV of a raw cached frame (:data:`~tradewind.data.providers.base.RAW_COLUMNS`),
    stamped ``stamps`` (the stamps the adjusted series gets), volume NaN where not finite."""
    frame = raw[["open", "high", "low", "close", "volume"]].astype(float)
    frame.index = stamps
    volume = frame["volume"].to_numpy(dtype=float)
    frame["volume"] = np.where(np.isfinite(volume), volume, np.nan)
    return frame


def actions_of(symbol: str, raw: pd.DataFrame, stamps: pd.DatetimeIndex) -> list[CorporateAction]:
    """The splits and dividends of a raw frame, one per ex-date session, oldest first.

    ``stamps`` are the rows' bar stamps (UTC). An action is stamped at the first bar of its
    session (the only one for daily bars); the session is the New York date of that stamp, or
    the row's own date for daily frames indexed by session date.
    """
    split = raw["split"].to_numpy(dtype=float)
    split = np.where(np.isfinite(split) & (split > 0), split, 1.0)
    dividend = np.nan_to_num(raw["dividend"].to_numpy(dtype=float), nan=0.0)
    daily = isinstance(raw.index, pd.DatetimeIndex) and raw.index.tz is None
    merged: dict[date, tuple[float, float, int]] = {}
    for k in np.flatnonzero((split != 1.0) | (dividend > 0)).tolist():
        day, row = _session_of(stamps, k) if not daily else (raw.index[k].date(), k)
        ratio, cash, _ = merged.get(day, (1.0, 0.0, row))
        merged[day] = (ratio * float(split[k]), cash + max(float(dividend[k]), 0.0), row)
    return [
        CorporateAction(symbol, day, stamps[row].to_pydatetime(), ratio, cash)
        for day, (ratio, cash, row) in sorted(merged.items())
    ]


def _session_of(stamps: pd.DatetimeIndex, k: int) -> tuple[date, int]:
    """The New York session of intraday row ``k`` and the row of that session's first bar."""
    day = stamps[k].tz_convert(NEW_YORK).date()
    midnight = pd.Timestamp(day, tz=NEW_YORK)
    return day, int(stamps.searchsorted(midnight, side="right"))
