"""Per-position stops: fixed, trailing and ATR, alone or combined (the highest level wins).

For each open position the book keeps the entry price (the ledger's average cost, which includes
buying costs), the highest price since entry and ratcheted trailing and ATR levels. A bar is
judged against levels set from what was known *before* it, then updates the state:

* ``fixed``: ``entry x (1 - fixed_pct)``;
* ``trailing``: ``peak - max(fixed_pct x peak, atr_multiplier x ATR)``: the runbook's own
  distances (3% and 2.0 x ATR), whichever is wider, so the stop sits outside the symbol's
  ordinary daily moves; ``fixed_pct x peak`` alone while the ATR is not known yet. With
  ``trailing_pct`` set, ``peak x (1 - trailing_pct)`` instead (an explicit choice; ``tradewind
  config check`` warns when it is inside a symbol's typical daily range). ``peak`` starts at
  the entry price and rises with every later bar's high (observed OHLC) or close (close-only
  data). The level only ever rises;
* ``atr``: ``peak - atr_multiplier x ATR``, a chandelier stop. The level only ever rises.

ATR is the mean true range of the last ``atr_period`` bars before the current one. Close-only
symbols (``feed.derived_ohlc``) use ``|close - previous close|`` as the true range.

Trigger price: the bar's low when the symbol has observed OHLC and ``intrabar`` is on (what a
backtest on daily bars can know about the day), otherwise the bar's close (the latest price in
paper and live trading). A stop triggers when the trigger price is at or below the level.

Exit price. The exit is a market order sent through the engine and filled by the broker like
any other order (the simulated broker fills at this bar's close, or the next open). A resting
stop order would have filled at the level, or at the open when the bar gapped below it; that
modelled price is kept in :attr:`StopHit.model_price` and reported with the trigger, so the
difference between the model and the actual fill stays visible.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from tradewind.config.risk import StopLossSection, StopType
from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.feed import FeedView
from tradewind.domain.ledger import Ledger

if TYPE_CHECKING:  # annotations only: the stops load without pandas
    import pandas as pd


class SymbolListing(Protocol):
    """A feed's symbols and which of them are close-only (every feed the stops read)."""

    @property
    def symbols(self) -> tuple[str, ...]:
        """The run's symbols, in the order every array uses."""
        ...

    @property
    def derived_ohlc(self) -> Collection[str]:
        """Symbols whose open/high/low were derived from closes, not observed."""
        ...


STOP_KINDS: tuple[StopType, ...] = ("fixed", "trailing", "atr")


@dataclass(frozen=True, slots=True)
class StopParams:
    """Which stops run and how far below their reference they sit."""

    kinds: tuple[StopType, ...] = ("trailing",)
    fixed_pct: float = 0.03
    trailing_pct: float | None = None
    atr_multiplier: float = 2.0
    atr_period: int = 14

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in STOP_KINDS]
        if unknown:
            raise ValueError(f"unknown stop kind(s) {unknown}; allowed: {', '.join(STOP_KINDS)}")
        for name in ("fixed_pct", "trailing_pct"):
            value = getattr(self, name)
            if value is not None and not 0 < value < 1:
                raise ValueError(f"{name} must be in (0, 1), was {value}")
        if self.atr_multiplier <= 0 or self.atr_period < 2:
            raise ValueError("atr_multiplier must be > 0 and atr_period >= 2")

    @property
    def needs_atr(self) -> bool:
        """Whether a configured stop reads the ATR (the ``atr`` kind, or a trailing stop
        without ``trailing_pct``)."""
        return "atr" in self.kinds or ("trailing" in self.kinds and self.trailing_pct is None)

    def trailing_distance(self, peak: float, atr: float) -> float:
        """How far below ``peak`` the trailing stop sits, in price (``atr`` may be NaN)."""
        if self.trailing_pct is not None:
            return peak * self.trailing_pct
        floor = peak * self.fixed_pct
        return max(floor, self.atr_multiplier * atr) if np.isfinite(atr) else floor

    def trailing_distances(self, peak: FloatArray, atr: FloatArray) -> FloatArray:
        """:meth:`trailing_distance` element by element (the same arithmetic, the same bits),
        for the quiet-bar scan of many bars and positions at once."""
        if self.trailing_pct is not None:
            return peak * self.trailing_pct
        floor = peak * self.fixed_pct
        distances: FloatArray = np.where(
            np.isfinite(atr), np.maximum(floor, self.atr_multiplier * atr), floor
        )
        return distances

    @classmethod
    def from_config(cls, section: StopLossSection) -> StopParams:
        """The parameters of ``risk_management.stop_loss``."""
        return cls(
            section.types,
            section.fixed_pct,
            section.trailing_pct,
            section.atr_multiplier,
            section.atr_period,
        )


@dataclass(slots=True)
class PositionTrack:
    """What the stops remember about one open position."""

    entry: float
    peak: float
    since: datetime
    atr_level: float = float("nan")
    trail_level: float = float("nan")


@dataclass(frozen=True, slots=True)
class StopLevels:
    """The level of each configured stop for one position (None: not configured or unknown)."""

    fixed: float | None = None
    trailing: float | None = None
    atr: float | None = None

    @property
    def active(self) -> tuple[StopType, float] | None:
        """The highest (tightest) level and its kind, or None when no level is known."""
        candidates: tuple[tuple[StopType, float | None], ...] = (
            ("fixed", self.fixed),
            ("trailing", self.trailing),
            ("atr", self.atr),
        )
        known = [(lvl, kind) for kind, lvl in candidates if lvl is not None]
        if not known:
            return None
        level, kind = max(known, key=lambda x: x[0])
        return kind, level


@dataclass(frozen=True, slots=True)
class StopHit:
    """A stop that triggered on the current bar."""

    symbol: str
    kind: StopType
    level: float
    trigger_price: float
    trigger_field: Literal["low", "close"]
    model_price: float
    entry: float
    peak: float
    quantity: float

    def describe(self) -> str:
        """One line for the event log."""
        ref = f"entry {self.entry:.4g}" if self.kind == "fixed" else f"peak {self.peak:.4g}"
        return (
            f"{self.symbol} stop:{self.kind} triggered: {self.trigger_field} "
            f"{self.trigger_price:.4g} <= level {self.level:.4g} ({ref}); selling "
            f"{self.quantity:g} shares at market (resting-stop model price "
            f"{self.model_price:.4g})"
        )


class StopBook:
    """Tracks open positions and finds the stops the current bar triggers.

    Parameters
    ----------
    params
        Which stops run and their distances.
    intrabar
        Trigger on the bar's low when the symbol has observed OHLC (else on the close).
    """

    def __init__(self, params: StopParams, *, intrabar: bool = True) -> None:
        self.params = params
        self.intrabar = intrabar
        self.tracks: dict[str, PositionTrack] = {}
        self._derived: tuple[tuple[str, ...], Collection[str], BoolArray] | None = None

    # --- per bar ---------------------------------------------------------------------------
    def evaluate(self, feed: FeedView, book: Ledger) -> list[StopHit]:
        """Sync with the book, return this bar's triggered stops, then move peaks to this bar."""
        self.sync(book, feed.now)
        if not self.tracks:
            return []
        p = self.params
        atr = self._atr(feed) if p.needs_atr else None
        low, high = feed.current("low"), feed.current("high")
        close, open_ = feed.current("close"), feed.current("open")
        hits: list[StopHit] = []
        for symbol, track in self.tracks.items():
            i = book.index_of(symbol)
            a = float(atr[i]) if atr is not None else float("nan")
            if "atr" in p.kinds and np.isfinite(a):
                candidate = track.peak - p.atr_multiplier * a
                if not candidate <= track.atr_level:  # NaN-safe ratchet: the level only rises
                    track.atr_level = candidate
            if "trailing" in p.kinds:
                candidate = track.peak - p.trailing_distance(track.peak, a)
                if not candidate <= track.trail_level:  # ratchet, as the ATR level
                    track.trail_level = candidate
            hit = self._check(symbol, track, i, feed, book, low, close, open_)
            if hit is not None:
                hits.append(hit)
            observed = symbol not in feed.derived_ohlc
            top = float(high[i]) if observed else float(close[i])
            if np.isfinite(top) and top > track.peak:
                track.peak = top
        return hits

    def levels(self, symbol: str) -> StopLevels:
        """Current levels of ``symbol``'s stops (all None when it is not held)."""
        track = self.tracks.get(symbol)
        if track is None:
            return StopLevels()
        kinds, p = self.params.kinds, self.params
        return StopLevels(
            fixed=track.entry * (1 - p.fixed_pct) if "fixed" in kinds else None,
            trailing=track.trail_level
            if "trailing" in kinds and np.isfinite(track.trail_level)
            else None,
            atr=track.atr_level if "atr" in kinds and np.isfinite(track.atr_level) else None,
        )

    def take_split(self, symbol: str, ratio: float) -> None:
        """Follow a stock split of ``symbol`` (``ratio`` new shares per old one): its entry,
        peak and levels in the new shares' prices, so the split itself triggers nothing."""
        track = self.tracks.get(symbol)
        if track is None:
            return
        track.entry /= ratio
        track.peak /= ratio
        track.atr_level /= ratio
        track.trail_level /= ratio

    # --- internals -------------------------------------------------------------------------
    def sync(self, book: Ledger, now: pd.Timestamp) -> None:
        """Start tracks (at ``now``) for new positions, follow the average cost, drop closed
        positions: what :meth:`evaluate` does first at each bar.

        A position closed and reopened between two evaluations keeps its old track (the book
        never looked flat); :class:`~tradewind.risk.manager.RiskManager` rules that out by not
        trading a symbol again in the cycle it exits.
        """
        for i, symbol in enumerate(book.symbols):
            qty = float(book.quantity[i])
            if qty <= 0:
                self.tracks.pop(symbol, None)
                continue
            entry = float(book.average_cost[i])
            track = self.tracks.get(symbol)
            if track is None:
                self.tracks[symbol] = PositionTrack(entry, entry, now.to_pydatetime())
            else:
                track.entry = entry

    def _check(
        self,
        symbol: str,
        track: PositionTrack,
        i: int,
        feed: FeedView,
        book: Ledger,
        low: FloatArray,
        close: FloatArray,
        open_: FloatArray,
    ) -> StopHit | None:
        active = self.levels(symbol).active
        if active is None:
            return None
        kind, level = active
        use_low = self.intrabar and symbol not in feed.derived_ohlc
        field: Literal["low", "close"] = "low" if use_low else "close"
        price = float(low[i] if use_low else close[i])
        if not np.isfinite(price) or price > level:
            return None  # no bar for the symbol (nothing can trade), or no trigger
        opened = float(open_[i])
        model = min(opened, level) if use_low and np.isfinite(opened) else price
        return StopHit(
            symbol,
            kind,
            level,
            price,
            field,
            model,
            track.entry,
            track.peak,
            float(book.quantity[i]),
        )

    def _atr(self, feed: FeedView) -> FloatArray:
        """Mean true range of the ``atr_period`` bars before the current one, per symbol."""
        n = self.params.atr_period
        rows = n + 2  # n true ranges need n + 1 bars, all before the current bar
        close = feed.window(rows, "close")[:-1]
        if close.shape[0] < n + 1:
            return np.full(close.shape[1], np.nan)
        high = feed.window(rows, "high")[:-1]
        low = feed.window(rows, "low")[:-1]
        atr: FloatArray = mean_true_ranges(close, high, low, self.derived_columns(feed), n)[0]
        return atr

    def derived_columns(self, feed: SymbolListing) -> BoolArray:
        """Which of ``feed``'s symbols are close-only (kept while the feed's lists are)."""
        kept = self._derived
        if kept is None or kept[0] is not feed.symbols or kept[1] is not feed.derived_ohlc:
            mask = np.array([s in feed.derived_ohlc for s in feed.symbols], dtype=bool)
            kept = self._derived = (feed.symbols, feed.derived_ohlc, mask)
        return kept[2]


def mean_true_ranges(
    close: FloatArray, high: FloatArray, low: FloatArray, derived: BoolArray, period: int
) -> FloatArray:
    """ATR of every bar that has ``period + 1`` bars of the block before it: row ``k`` of the
    result is the bar after rows ``k..k+period`` of ``close``/``high``/``low`` (rows x symbols).

    The true range is ``max(high - low, |high - previous close|, |low - previous close|)``, and
    ``|close - previous close|`` for close-only (``derived``) columns; gaps are left out of the
    mean, and a bar with fewer than ``max(2, period // 2)`` of them has no ATR (NaN). The
    ranges are added one bar after another, in time order, for one bar or for many: the bar by
    bar stops and the fast-forward's scan of them (:mod:`tradewind.risk.stop_scan`) get the
    same figures to the last bit.
    """
    prev = close[:-1]
    c, h, lo = close[1:], high[1:], low[1:]
    true_range = np.maximum(h - lo, np.maximum(np.abs(h - prev), np.abs(lo - prev)))
    if derived.any():
        true_range[:, derived] = np.abs(c - prev)[:, derived]
    bars = true_range.shape[0] - period + 1
    finite = np.isfinite(true_range)
    ranges = np.nan_to_num(true_range, nan=0.0)
    total = ranges[:bars].copy()
    valid = finite[:bars].astype(np.int64)
    for k in range(1, period):  # in order: np.sum may add one column pairwise
        total += ranges[k : k + bars]
        valid += finite[k : k + bars]
    atr = total / np.maximum(valid, 1)
    return np.where(valid >= max(2, period // 2), atr, np.nan)
