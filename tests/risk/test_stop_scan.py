"""The stops' scan over quiet bars against the bar-by-bar stops it stands for.

Random bars (observed OHLC and close-only symbols, gaps), random stop settings and a book that
trades just before the stretch (a new position, one closed, one added to). The scan must pass
no bar on which ``StopBook.evaluate`` hits, stop at the first one that does, and leave the stops
(entries, peaks, levels, start times and the tracks' order) exactly as the bar-by-bar calls do.
"""

from __future__ import annotations

import copy
import struct

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from riskkit import fill

from tradewind.data.history import BarSet
from tradewind.domain import Side
from tradewind.domain.ledger import Ledger
from tradewind.engine.feed import MarketFeed
from tradewind.risk import StopBook, StopParams
from tradewind.risk.stop_scan import pass_scanned, scan_stops
from tradewind.risk.stops import PositionTrack

SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE")
ROWS = 70


def _bars(seed: int, gaps: bool) -> BarSet:
    """Random walks with observed OHLC for AAA..CCC and close-only DDD, EEE; gaps if asked."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-02 21:00", periods=ROWS, freq="B", tz="UTC")
    frames = {}
    for k, symbol in enumerate(SYMBOLS):
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, ROWS)))
        open_ = np.r_[close[0], close[:-1]] * (1 + rng.normal(0, 0.005, ROWS))
        high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.02, ROWS))
        low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.02, ROWS))
        frame = pd.DataFrame(
            {"open": open_, "high": high, "low": low, "close": close, "volume": 1e6},
            index=index,
        )
        if gaps and k % 2 == 0:  # a few bars missing, inside the stretches too
            frame = frame.drop(index[rng.choice(np.arange(5, ROWS), 6, replace=False)])
        frames[symbol] = frame
    return BarSet(frames, derived_ohlc=frozenset({"DDD", "EEE"}), source="test")


def _bits(track: PositionTrack) -> tuple[object, ...]:
    """A track's fields, floats as their bits (NaN equal to NaN, 0.0 unequal to -0.0)."""
    floats = (track.entry, track.peak, track.atr_level, track.trail_level)
    return (*(struct.pack("<d", x) for x in floats), track.since)


def _state(stops: StopBook) -> list[tuple[str, tuple[object, ...]]]:
    return [(symbol, _bits(track)) for symbol, track in stops.tracks.items()]


def _advance(feed: MarketFeed, row: int) -> None:
    feed.advance(feed.index[row])


KINDS = st.sampled_from(  # every combination, each as likely
    [["fixed"], ["trailing"], ["atr"], ["fixed", "trailing"], ["fixed", "atr"], ["trailing", "atr"]]
    + [["fixed", "trailing", "atr"]]
)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    kinds=KINDS,
    fixed_pct=st.sampled_from([0.03, 0.1, 0.3]),
    trailing_pct=st.sampled_from([None, None, 0.06, 0.2]),
    atr_multiplier=st.sampled_from([2.0, 4.0, 8.0]),
    atr_period=st.integers(2, 8),
    intrabar=st.booleans(),
    gaps=st.booleans(),
    start=st.integers(0, 45),
    limit=st.integers(1, 40),
)
def test_scan_passes_no_hit_stops_at_the_first_and_leaves_the_bar_by_bar_state(
    seed: int,
    kinds: list[str],
    fixed_pct: float,
    trailing_pct: float | None,
    atr_multiplier: float,
    atr_period: int,
    intrabar: bool,
    gaps: bool,
    start: int,
    limit: int,
) -> None:
    params = StopParams(tuple(kinds), fixed_pct, trailing_pct, atr_multiplier, atr_period)  # type: ignore[arg-type]
    bars = _bars(seed, gaps)
    feed, ahead = MarketFeed(bars), MarketFeed(bars)
    book = Ledger(SYMBOLS, 1_000_000.0)
    for symbol in ("AAA", "BBB", "DDD"):
        book.apply(fill(symbol, Side.BUY, 100.0, 100.0))
    stops = StopBook(params, intrabar=intrabar)
    for row in range(start + 1):  # the stops as the run left them; hits do not trade here
        _advance(feed, row)
        _advance(ahead, row)
        stops.evaluate(feed, book)
    # the cycle at ``start`` trades after its stops: one position opens, one closes, one grows
    close = dict(zip(SYMBOLS, feed.last_close().tolist(), strict=True))
    book.apply(fill("CCC", Side.BUY, 50.0, close["CCC"]))
    book.apply(fill("BBB", Side.SELL, 100.0, close["BBB"]))
    book.apply(fill("DDD", Side.BUY, 20.0, close["DDD"]))
    limit = min(limit, ROWS - 1 - start)
    if limit < 1:
        return
    scanned = copy.deepcopy(stops)
    scan = scan_stops(scanned, ahead, book, limit)

    hit_at = None  # the bar-by-bar reference, bars start+1.. with the book unchanged
    states = []
    for k in range(1, limit + 1):
        _advance(feed, start + k)
        if stops.evaluate(feed, book):
            hit_at = k
            break
        states.append(_state(stops))
    assert scan.quiet == (hit_at - 1 if hit_at is not None else limit)
    event(f"quiet {min(scan.quiet, 3)}+ hit {hit_at is not None}")
    for bars_passed in {1, scan.quiet // 2, scan.quiet} & set(range(1, scan.quiet + 1)):
        passed = copy.deepcopy(scanned)
        pass_scanned(passed, scan, book, bars_passed, feed.index[start + 1])
        assert _state(passed) == states[bars_passed - 1], bars_passed


def test_pass_scanned_refuses_more_bars_than_the_scan_found_quiet() -> None:
    bars = _bars(1, gaps=False)
    feed = MarketFeed(bars)
    _advance(feed, 10)
    book = Ledger(SYMBOLS, 1_000_000.0)
    book.apply(fill("AAA", Side.BUY, 100.0, 100.0))
    stops = StopBook(StopParams(("fixed",), fixed_pct=0.9))
    scan = scan_stops(stops, feed, book, 5)
    assert scan.quiet == 5
    with pytest.raises(ValueError, match="not within the 5 quiet bars"):
        pass_scanned(stops, scan, book, 6, feed.index[11])
