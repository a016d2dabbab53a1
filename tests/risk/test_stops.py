"""Stops: levels from the right reference, set before the bar, triggered on lows or closes."""

from __future__ import annotations

import numpy as np
import pytest
from riskkit import POLICY, bars, fill

from tradewind.domain import Side
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.ledger import Ledger
from tradewind.domain.plans import PlannedTrade
from tradewind.engine.feed import MarketFeed
from tradewind.risk import MemoryHaltStore, RiskManager, StopBook, StopHit, StopParams


def _walk(
    feed: MarketFeed, book: Ledger, stops: StopBook, upto: int | None = None
) -> dict[int, list[StopHit]]:
    """Evaluate every bar up to ``upto``; return the hits by row."""
    hits = {}
    last = len(feed.index) if upto is None else upto + 1
    for row in range(feed.row + 1, last):
        feed.advance(feed.index[row])
        found = stops.evaluate(feed, book)
        if found:
            hits[row] = found
    return hits


def _held(symbols: tuple[str, ...], qty: float, price: float, sym: str = "AAA") -> Ledger:
    book = Ledger(symbols, 100_000.0)
    book.apply(fill(sym, Side.BUY, qty, price))
    return book


def test_trailing_stop_trails_the_peak_not_the_entry() -> None:
    # Arrange: entry 100, the close-only price climbs to 120, then slides.
    closes = [100, 105, 110, 120, 119, 118, 117.5, 115]
    feed = MarketFeed(bars({"AAA": closes}, derived=True))
    book = _held(feed.symbols, 10, 100.0)
    stops = StopBook(StopParams(("trailing",), trailing_pct=0.02))
    # Act
    hits = _walk(feed, book, stops)
    # Assert: the first close at or below 120 x 0.98 exits; entry x 0.98 = 98 is never reached.
    assert min(hits) == 6  # (the book is not sold here, so later bars trigger again)
    hit = hits[6][0]
    assert (hit.kind, hit.trigger_field, hit.trigger_price) == ("trailing", "close", 117.5)
    assert hit.level == pytest.approx(120 * 0.98)
    assert (hit.entry, hit.peak, hit.quantity) == (100.0, 120.0, 10.0)


def test_intrabar_low_triggers_and_models_the_stop_or_gap_price() -> None:
    # Arrange: observed OHLC; the peak follows highs, the trigger uses lows.
    closes = [100, 104, 109, 108.5]
    highs = [100, 105, 110, 109]
    lows = [100, 103, 104, 107.5]
    opens = [100, 100, 104, 108]
    feed = MarketFeed(
        bars({"AAA": closes}, highs={"AAA": highs}, lows={"AAA": lows}, opens={"AAA": opens})
    )
    book = _held(feed.symbols, 5, 100.0)
    # Act
    hits = _walk(feed, book, StopBook(StopParams(("trailing",), trailing_pct=0.02)))
    # Assert: bar 3's low 107.5 crosses 110 x 0.98 = 107.8 although it closes above it.
    hit = hits[3][0]
    assert hit.trigger_field == "low" and hit.level == pytest.approx(107.8)
    assert hit.model_price == pytest.approx(107.8)  # opened above the level: filled at it


def test_gap_below_the_level_models_the_open() -> None:
    closes, opens = [100, 110, 105], [100, 100, 106]
    highs, lows = [100, 110, 106], [100, 100, 104]
    feed = MarketFeed(
        bars({"AAA": closes}, highs={"AAA": highs}, lows={"AAA": lows}, opens={"AAA": opens})
    )
    book = _held(feed.symbols, 5, 100.0)
    hit = _walk(feed, book, StopBook(StopParams(("trailing",), trailing_pct=0.02)))[2][0]
    assert hit.model_price == 106.0  # gapped below 107.8: a resting stop fills at the open


def test_level_is_set_before_the_bar_that_makes_a_new_peak() -> None:
    # Bar 1 rallies to 110 and dips to 107.5: under the new peak's level (107.8), but the level
    # in force during bar 1 came from the old peak (100 x 0.98): no trigger on bar 1.
    closes, highs, lows = [100, 109, 109, 109], [100, 110, 109.5, 109.5], [100, 107.5, 108, 107.7]
    feed = MarketFeed(bars({"AAA": closes}, highs={"AAA": highs}, lows={"AAA": lows}))
    book = _held(feed.symbols, 5, 100.0)
    hits = _walk(feed, book, StopBook(StopParams(("trailing",), trailing_pct=0.02)))
    assert list(hits) == [3]


def test_intrabar_off_uses_the_close() -> None:
    closes, highs, lows = [100, 110, 109], [100, 110, 110], [100, 100, 100]
    feed = MarketFeed(bars({"AAA": closes}, highs={"AAA": highs}, lows={"AAA": lows}))
    book = _held(feed.symbols, 5, 100.0)
    assert (
        _walk(feed, book, StopBook(StopParams(("trailing",), trailing_pct=0.02), intrabar=False))
        == {}
    )


def test_fixed_stop_follows_the_average_cost() -> None:
    closes = [100, 99, 96.0, 93.0, 92.0]
    feed = MarketFeed(bars({"AAA": closes}, derived=True))
    book = _held(feed.symbols, 10, 100.0)
    stops = StopBook(StopParams(("fixed",), fixed_pct=0.03))
    assert _walk(feed, book, stops, upto=1) == {}
    assert stops.levels("AAA").fixed == pytest.approx(97.0)
    book.apply(fill("AAA", Side.BUY, 10, 90.0))  # average cost 95
    hits = _walk(feed, book, stops)
    assert stops.levels("AAA").fixed == pytest.approx(95 * 0.97)
    assert list(hits) == [4]  # 96 would have hit the old 97, but the entry is now 95
    assert hits[4][0].entry == pytest.approx(95.0)


def test_combined_stops_use_the_tightest_level() -> None:
    closes = [100, 110, 108, 107.5]
    feed = MarketFeed(bars({"AAA": closes}, derived=True))
    book = _held(feed.symbols, 10, 100.0)
    stops = StopBook(StopParams(("fixed", "trailing"), trailing_pct=0.02))
    hits = _walk(feed, book, stops)
    levels = stops.levels("AAA")
    assert levels.fixed == pytest.approx(97.0) and levels.trailing == pytest.approx(107.8)
    assert levels.active == ("trailing", pytest.approx(107.8))
    assert hits[3][0].kind == "trailing"


def test_atr_stop_is_a_ratcheting_chandelier() -> None:
    # Arrange: 8 quiet bars (true range 2), then wider bars (true range 6).
    n_quiet = 8
    closes = [100.0] * n_quiet + [100.0, 100.0, 100.0]
    highs = [101.0] * n_quiet + [101.0, 101.0, 101.0]
    lows = [99.0] * n_quiet + [99.0, 95.0, 95.0]
    feed = MarketFeed(bars({"AAA": closes}, highs={"AAA": highs}, lows={"AAA": lows}))
    book = Ledger(feed.symbols, 100_000.0)
    stops = StopBook(StopParams(("atr",), atr_multiplier=2.0, atr_period=5))
    _walk(feed, book, stops, upto=n_quiet - 1)
    book.apply(fill("AAA", Side.BUY, 10, 100.0))
    # Act / Assert: first judged bar: peak 100 (entry), ATR 2 -> level 96.
    _walk(feed, book, stops, upto=n_quiet)
    assert stops.tracks["AAA"].atr_level == pytest.approx(96.0)
    # The bar's high 101 lifts the peak: 101 - 4 = 97; wider ranges never lower the level.
    _walk(feed, book, stops)
    assert stops.levels("AAA").atr == pytest.approx(97.0)


def test_atr_on_close_only_data_uses_close_to_close_moves() -> None:
    closes = [100.0, 102.0] * 5 + [102.0]
    feed = MarketFeed(bars({"AAA": closes}, derived=True))
    book = Ledger(feed.symbols, 100_000.0)
    stops = StopBook(StopParams(("atr",), atr_multiplier=2.0, atr_period=4))
    _walk(feed, book, stops, upto=8)
    book.apply(fill("AAA", Side.BUY, 1, 100.0))
    _walk(feed, book, stops, upto=9)
    assert stops.tracks["AAA"].atr_level == pytest.approx(100.0 - 2 * 2.0)


def test_no_bar_no_trigger_and_a_flat_book_drops_the_track() -> None:
    closes = [100.0, 120.0, np.nan, 100.0]
    feed = MarketFeed(bars({"AAA": closes, "BBB": [50.0] * 4}, derived=True))
    book = _held(feed.symbols, 1, 100.0)
    stops = StopBook(StopParams(("trailing",), trailing_pct=0.02))
    assert _walk(feed, book, stops, upto=2) == {}  # no bar for AAA on row 2: nothing can trade
    book.apply(fill("AAA", Side.SELL, 1, 110.0))
    feed.advance(feed.index[3])
    assert stops.evaluate(feed, book) == [] and "AAA" not in stops.tracks


def test_manager_exits_on_a_stop_and_cools_the_symbol_down() -> None:
    # Arrange
    closes = [100, 110, 107, 108, 109, 110, 111, 112]
    feed = MarketFeed(bars({"AAA": closes, "BBB": [50.0] * 8}, derived=True))
    book = _held(feed.symbols, 10, 100.0)
    risk = RiskManager(
        feed.symbols, stops=StopParams(("trailing",), trailing_pct=0.02), cooldown_sessions=3
    )
    buy = PlannedTrade("AAA", Side.BUY, 1, 100.0, CostBreakdown())
    exits: dict[int, list[PlannedTrade]] = {}
    allowed: dict[int, int] = {}
    # Act
    for row in range(len(closes)):
        t = feed.index[row]
        feed.advance(t)
        exits[row] = risk.on_bar(t, feed, book)
        if exits[row]:
            book.apply(fill("AAA", Side.SELL, 10, 107.0))
        passed, _ = risk.allow([buy], book, feed.last_close(), POLICY)
        allowed[row] = len(passed)
    # Assert: the exit sells the whole position with the stop's reason, then 3 sessions pass.
    (exit_trade,) = exits[2]
    assert (exit_trade.side, exit_trade.quantity, exit_trade.reason) == (
        Side.SELL,
        10,
        "stop:trailing",
    )
    assert [allowed[r] for r in range(8)] == [1, 1, 0, 0, 0, 1, 1, 1]
    kinds = [e.kind for e in risk.drain_events()]
    assert kinds == ["stop"]
    _, notes = risk.allow([buy], book, feed.last_close(), POLICY)
    assert notes == []


def test_stop_config_accepts_one_kind_or_a_list() -> None:
    from tradewind.config.risk import StopLossSection

    assert StopParams.from_config(StopLossSection()).kinds == ("trailing",)
    section = StopLossSection(type=["fixed", "atr", "fixed"])
    assert StopParams.from_config(section).kinds == ("fixed", "atr")
    with pytest.raises(ValueError, match="unknown stop kind"):
        StopParams(("percent",))  # type: ignore[arg-type]


def test_a_stopped_symbol_is_not_traded_again_in_the_same_cycle() -> None:
    feed = MarketFeed(bars({"AAA": [100, 110, 100]}, derived=True))
    book = _held(feed.symbols, 10, 100.0)
    risk = RiskManager(
        feed.symbols, stops=StopParams(("trailing",), trailing_pct=0.02), cooldown_sessions=0
    )
    for row in range(3):
        feed.advance(feed.index[row])
        exits = risk.on_bar(feed.index[row], feed, book)
    assert [e.reason for e in exits] == ["stop:trailing"]
    buy = PlannedTrade("AAA", Side.BUY, 1, 100.0, CostBreakdown())
    sell = PlannedTrade("AAA", Side.SELL, 1, 100.0, CostBreakdown())
    passed, notes = risk.allow([sell, buy], book, feed.last_close(), POLICY)
    assert passed == [] and notes == [
        "AAA: sell dropped (exiting on a stop this bar)",
        "AAA: buy dropped (exiting on a stop this bar)",
    ]


# --- the runbook's trailing distance: max(fixed_pct, atr_multiplier x ATR) --------------------
def test_runbook_trailing_stop_uses_the_fixed_pct_while_the_atr_is_narrower() -> None:
    # Arrange: close-only, moves of 0.5 (ATR 0.5, 2 x ATR = 1 < 3% of 100): the 3% floor binds.
    closes = [100.0, 100.5] * 6 + [100.5, 98.0, 97.6]
    feed = MarketFeed(bars({"AAA": closes}, derived=True))
    book = Ledger(feed.symbols, 100_000.0)
    stops = StopBook(StopParams(("trailing",), fixed_pct=0.03, atr_multiplier=2.0, atr_period=4))
    _walk(feed, book, stops, upto=11)
    book.apply(fill("AAA", Side.BUY, 10, 100.5))
    # Act
    hits = _walk(feed, book, stops)
    # Assert: level 100.5 x 0.97 = 97.485; 98.0 does not trigger, 97.6 neither, no hit.
    assert hits == {}
    assert stops.levels("AAA").trailing == pytest.approx(100.5 * 0.97)


def test_runbook_trailing_stop_widens_to_the_atr_and_never_comes_down() -> None:
    # Arrange: close-only moves of 4 (ATR 4): 2 x ATR = 8 is wider than 3% of the 104 entry.
    closes = [100.0, 104.0] * 5 + [97.0, 103.0, 95.5]
    feed = MarketFeed(bars({"AAA": closes}, derived=True))
    book = Ledger(feed.symbols, 100_000.0)
    params = StopParams(("trailing",), fixed_pct=0.03, atr_multiplier=2.0, atr_period=4)
    stops = StopBook(params)
    _walk(feed, book, stops, upto=9)
    book.apply(fill("AAA", Side.BUY, 10, 104.0))
    # Act: bar 10 is judged against 104 - 2 x 4 = 96 (a 3% stop, 100.88, would fire at 97).
    first = _walk(feed, book, stops, upto=10)
    level = stops.levels("AAA").trailing
    rest = _walk(feed, book, stops)
    # Assert: the wider moves after entry (ATR 4.75, then 5.25) would put the level at 94.5
    # and 93.5; it stays at 96, and 95.5 triggers it.
    assert first == {} and level == pytest.approx(96.0)
    assert list(rest) == [12]
    assert (rest[12][0].kind, rest[12][0].level) == ("trailing", pytest.approx(96.0))


def test_runbook_trailing_level_ratchets_up_with_the_peak_only() -> None:
    stops = StopBook(StopParams(("trailing",), fixed_pct=0.05))
    closes = [100.0, 120.0, 119.0, 118.0]
    feed = MarketFeed(bars({"AAA": closes}, derived=True))
    book = _held(feed.symbols, 1, 100.0)
    _walk(feed, book, stops, upto=2)  # peak 120 from bar 1 sets bar 2's level
    assert stops.levels("AAA").trailing == pytest.approx(120 * 0.95)
    _walk(feed, book, stops)
    assert stops.levels("AAA").trailing == pytest.approx(120 * 0.95)


def test_no_hidden_trailing_default_tighter_than_the_runbook_keys() -> None:
    from tradewind.config.risk import StopLossSection

    # The runbook's keys: type trailing, fixed_pct 0.03, atr_multiplier 2.0, no trailing_pct.
    section = StopLossSection(type="trailing", fixed_pct=0.03, atr_multiplier=2.0)
    params = StopParams.from_config(section)
    assert section.trailing_pct is None and params.trailing_pct is None
    assert params.trailing_distance(100.0, float("nan")) == pytest.approx(3.0)
    assert params.trailing_distance(100.0, 1.0) == pytest.approx(3.0)  # 2 x 1 < 3
    assert params.trailing_distance(100.0, 2.5) == pytest.approx(5.0)  # 2 x 2.5 > 3
    explicit = StopParams.from_config(section.model_copy(update={"trailing_pct": 0.02}))
    assert explicit.trailing_distance(100.0, 2.5) == pytest.approx(2.0)  # the user's choice
    assert section.describe() == "trailing max(3.0%, 2 x ATR(14)) below the peak"


def test_trailing_level_survives_a_restart_through_the_tracker() -> None:
    params = StopParams(("trailing",), fixed_pct=0.05)
    feed = MarketFeed(bars({"AAA": [100.0, 120.0, 119.0]}, derived=True))
    book = _held(feed.symbols, 1, 100.0)
    saved = MemoryHaltStore()  # the tracker snapshot, as the service's checkpoint keeps it
    first = RiskManager(feed.symbols, stops=params, store=saved, tracker_store=saved)
    for t in feed.index:
        feed.advance(t)
        first.on_bar(t, feed, book)
    second = RiskManager(feed.symbols, stops=params, store=saved, tracker_store=saved)
    assert second.stop_book is not None and first.stop_book is not None
    assert second.stop_book.tracks["AAA"].trail_level == pytest.approx(120 * 0.95)
    assert second.stop_book.levels("AAA") == first.stop_book.levels("AAA")


@pytest.mark.parametrize("follow", [True, False])
def test_a_stock_split_moves_the_stops_and_fires_none(follow: bool) -> None:
    # 10 AAA at 100, the price climbs to 120, then a 4-for-1 split: 40 shares near 30
    feed = MarketFeed(bars({"AAA": [100.0, 120.0, 30.0, 29.9]}, derived=True))
    book = _held(feed.symbols, 10, 100.0)
    params = StopParams(("fixed", "trailing"), fixed_pct=0.03)
    risk = RiskManager(feed.symbols, stops=params, store=MemoryHaltStore())
    exits = []
    for row, t in enumerate(feed.index):
        if row == 2:  # booked before the ex-date's bar (orders/splits.py, service/recovery.py)
            book.split("AAA", 4.0)
            if follow:
                risk.take_split("AAA", 4.0)
        feed.advance(t)
        exits += risk.on_bar(t, feed, book)
        assert risk.breakers.state.last_equity == pytest.approx(book.equity(feed.last_close()))
    if not follow:  # the levels of the old shares: the trailing stop fires on the split itself
        assert exits and exits[0].reason.startswith("stop")
        return
    assert exits == []
    assert risk.stop_book is not None
    levels = risk.stop_book.levels("AAA")
    assert levels.fixed == pytest.approx(100.0 / 4 * 0.97)
    assert levels.trailing == pytest.approx(120.0 * 0.97 / 4)
    assert risk.stop_book.tracks["AAA"].peak == pytest.approx(30.0)
