"""The stops over a stretch of bars on arrays: how many bars they pass without a hit.

The engine's fast-forward over quiet bars (:mod:`tradewind.engine.quiet`) passes a run of bars in
one step when nothing can happen on them. With stops configured, something can: a position's
price may reach its level. :func:`scan_stops` follows, for every held position and every bar of
the stretch, what :meth:`StopBook.evaluate <tradewind.risk.stops.StopBook.evaluate>` does bar by
bar while the book does not trade: the ATR and trailing levels set from the peak before the bar
and ratcheted, the bar's trigger price against the tightest level, then the peak moved to the
bar's high (or close). The same arithmetic, element by element, so the levels and peaks are the
bar-by-bar ones to the last bit (the ATR comes from the one function both use,
:func:`~tradewind.risk.stops.mean_true_ranges`).

The stretch ends before the first bar on which any position's trigger price comes within
:data:`STOP_MARGIN` of a level: that bar is left to the ordinary cycle, which decides it exactly.
:func:`pass_scanned` then sets the stops' state after the bars passed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from tradewind.domain.arrays import BoolArray, FloatArray, IntArray
from tradewind.domain.ledger import Ledger
from tradewind.risk.stops import StopBook, mean_true_ranges

if TYPE_CHECKING:  # annotations only: the risk rules load without pandas
    import pandas as pd

STOP_MARGIN = 1e-9
"""A trigger price within this fraction of its level ends a stretch (the cycle decides it)."""


class RowsAhead(Protocol):
    """What the scan reads of the feed (the engine's :class:`~tradewind.engine.feed.MarketFeed`):
    the rows of the bars it passes, and those before them that the ATR needs."""

    @property
    def symbols(self) -> tuple[str, ...]:
        """The run's symbols, in the order every array uses."""
        ...

    @property
    def derived_ohlc(self) -> Collection[str]:
        """Symbols whose open/high/low were derived from closes, not observed."""
        ...

    @property
    def row(self) -> int:
        """Index of the current bar."""
        ...

    def rows_ahead(self, field: str, start: int, stop: int) -> FloatArray:
        """Rows ``start..stop-1`` of ``field`` (``start`` at most the current row + 1)."""
        ...


@dataclass(frozen=True, slots=True)
class StopScan:
    """The stops of the held positions after each bar of a stretch (row ``k``: after ``k``
    bars; row 0 is the state the stretch starts from), and how many bars are quiet."""

    symbols: tuple[str, ...]
    peak: FloatArray
    atr_level: FloatArray
    trail_level: FloatArray
    quiet: int


def scan_stops(stops: StopBook, feed: RowsAhead, book: Ledger, limit: int) -> StopScan:
    """How many of the next ``limit`` bars ``stops`` pass without a hit, ``book`` unchanged."""
    qty = book.quantity
    held = np.flatnonzero(~(qty <= 0))  # what evaluate's sync keeps tracking
    names = [book.symbols[j] for j in held.tolist()]
    start = feed.row + 1
    stop = start + limit
    entry = book.average_cost[held]
    tracks = [stops.tracks.get(s) for s in names]
    peak0 = np.array([t.peak if t is not None else e for t, e in zip(tracks, entry, strict=True)])
    atr0 = np.array([t.atr_level if t is not None else np.nan for t in tracks])
    trail0 = np.array([t.trail_level if t is not None else np.nan for t in tracks])
    if not names or limit < 1:
        return StopScan(tuple(names), peak0[None], atr0[None], trail0[None], max(limit, 0))
    close = feed.rows_ahead("close", start, stop)[:, held]
    derived = stops.derived_columns(feed)[held]
    high = np.where(derived, close, feed.rows_ahead("high", start, stop)[:, held])
    top = np.where(np.isfinite(high), high, -np.inf)  # a bar without a price moves no peak
    peak = np.maximum.accumulate(np.vstack([peak0, top]), axis=0)
    before = peak[:-1]  # the peak each bar's levels are set from
    atr = _atr(stops, feed, held, derived, start, stop)
    p = stops.params
    # a level only rises (a NaN candidate, an unknown ATR, leaves it); a kind not configured
    # keeps its level as it is
    nothing = np.full(before.shape, np.nan)
    atr_candidate = nothing
    if "atr" in p.kinds:
        atr_candidate = np.where(np.isfinite(atr), before - p.atr_multiplier * atr, np.nan)
    trail_candidate = nothing
    if "trailing" in p.kinds:
        trail_candidate = before - p.trailing_distances(before, atr)
    atr_level = np.fmax.accumulate(np.vstack([atr0, atr_candidate]), axis=0)
    trail_level = np.fmax.accumulate(np.vstack([trail0, trail_candidate]), axis=0)
    use_low = ~derived if stops.intrabar else np.zeros(len(names), dtype=bool)
    price = np.where(use_low, feed.rows_ahead("low", start, stop)[:, held], close)
    near = np.zeros(price.shape, dtype=bool)
    levels = {
        "fixed": np.broadcast_to(entry * (1 - p.fixed_pct), price.shape),
        "trailing": trail_level[1:],
        "atr": atr_level[1:],
    }
    with np.errstate(invalid="ignore"):  # NaN levels (not known yet) never trigger
        for kind in p.kinds:
            level = levels[kind]
            near |= price - level <= STOP_MARGIN * np.abs(level)
    near &= np.isfinite(price)  # a bar without a price triggers nothing
    hit = np.flatnonzero(near.any(axis=1))
    quiet = int(hit[0]) if hit.size else limit
    return StopScan(tuple(names), peak, atr_level, trail_level, quiet)


def pass_scanned(
    stops: StopBook, scan: StopScan, book: Ledger, bars: int, first: pd.Timestamp
) -> None:
    """Set ``stops`` as :meth:`~tradewind.risk.stops.StopBook.evaluate` leaves them after the
    first ``bars`` quiet bars of ``scan`` (``first``: the first one's time, when new positions
    start their tracks)."""
    if not 0 < bars <= scan.quiet:
        raise ValueError(f"{bars} bars are not within the {scan.quiet} quiet bars scanned")
    stops.sync(book, first)
    if not scan.symbols:
        return  # nothing held: the sync dropped every track
    peak = scan.peak[bars].tolist()
    atr_level = scan.atr_level[bars].tolist()
    trail_level = scan.trail_level[bars].tolist()
    for k, symbol in enumerate(scan.symbols):
        track = stops.tracks[symbol]
        track.peak, track.atr_level, track.trail_level = peak[k], atr_level[k], trail_level[k]


def _atr(
    stops: StopBook, feed: RowsAhead, held: IntArray, derived: BoolArray, start: int, stop: int
) -> FloatArray:
    """The ATR :meth:`StopBook.evaluate` reads at each bar ``start..stop-1`` (NaN while fewer
    than ``atr_period + 1`` bars precede it)."""
    n = stops.params.atr_period
    bars = stop - start
    if not stops.params.needs_atr:
        return np.full((bars, len(held)), np.nan)
    first = max(start - n - 1, 0)  # the first row the first bar's window reads
    if stop - 1 - first < n + 1:
        return np.full((bars, len(held)), np.nan)
    rows = {f: feed.rows_ahead(f, first, stop - 1)[:, held] for f in ("close", "high", "low")}
    atr = mean_true_ranges(rows["close"], rows["high"], rows["low"], derived, n)
    missing = bars - atr.shape[0]  # bars too early for a window of their own
    if missing > 0:
        atr = np.vstack([np.full((missing, len(held)), np.nan), atr])
    return atr
