"""Pre-trade limits applied to every trade the planner proposes.

Buys are resized (never increased) so that after the trade no position exceeds the policy's
position cap, total invested value stays within the exposure cap (the policy's
``invested_fraction``: ``max_portfolio_risk`` less the regime's cash buffer), and cash after
estimated costs is not negative. Caps are taken on equity net of every proposed trade's
estimated costs, so paying those costs cannot lift a weight over its cap; a resized buy is
assumed to cost at most the full buy's estimate (costs grow with quantity). A buy without a
usable price is dropped. Without fractional shares, buys and sells are rounded down to whole
shares, so the room a sell frees is the room that is really freed. Sells never add risk and
always pass (no shorting: a sell larger than the position is cut to the position). Every change
is reported with its reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from tradewind.domain.arrays import BoolArray, FloatArray, IntArray
from tradewind.domain.batches import TradeBatch
from tradewind.domain.feed import FeedView
from tradewind.domain.ledger import SMALL_BATCH, Ledger
from tradewind.domain.orders import Side
from tradewind.domain.plans import PlannedTrade, Policy
from tradewind.domain.records import EngineEvent

TOLERANCE = 1e-9


def apply_limits(
    trades: list[PlannedTrade],
    book: Ledger,
    prices: FloatArray,
    policy: Policy,
    *,
    fractional: bool = True,
    shortcut: bool = True,
) -> tuple[list[PlannedTrade], list[str]]:
    """Return the trades that pass (buys possibly resized) and the reasons for every change.

    With ``shortcut`` (the default), a rebalance whose every trade is within every limit is
    recognised in one vectorised check instead of trade by trade; the answer is the same
    (``shortcut=False`` always walks the trades, and the tests compare the two).
    """
    qty = book.quantity.tolist()
    cash = book.cash
    # kept current trade by trade; finite prices are marked as they are (the book's cached mark)
    finite = prices if np.isfinite(prices).all() else np.nan_to_num(prices)
    held_value = float(book.values(finite).sum())
    equity = book.equity(prices) - sum(tr.est_costs.total for tr in trades)
    invested, cap = policy.invested_fraction, policy.max_position_size
    column = book.index_of
    ordered = sorted(trades, key=lambda x: x.side is Side.BUY)
    if (
        shortcut
        and fractional
        and _all_within(ordered, qty, cash, held_value, equity, policy, column)
    ):
        return ordered, []
    notes: list[str] = []
    passed: list[PlannedTrade] = []
    for tr in ordered:
        i = column(tr.symbol)
        price, want, cost = tr.price, tr.quantity, tr.est_costs.total
        buy = tr.side is Side.BUY
        if buy and not (math.isfinite(price) and price > 0):
            notes.append(f"{tr.symbol}: buy dropped (no usable price)")
            continue
        if not buy:
            q = min(want, max(qty[i], 0.0))
            if q < want - TOLERANCE:
                notes.append(f"{tr.symbol}: sell cut to the position ({q:g}), no shorting")
            if not fractional and q != np.floor(q + 1e-9):
                q = float(np.floor(q + 1e-9))
                notes.append(f"{tr.symbol}: sell rounded down to {q:g} whole shares")
            if q <= 0:
                continue
            qty[i] -= q
            held_value -= q * price
            cash += q * price - cost
            passed.append(_resized(tr, q))
            continue
        room_position = cap * equity - qty[i] * price
        room_exposure = invested * equity - held_value
        room_cash = cash - cost  # a smaller buy never costs more than the full one
        room = min(room_position, room_exposure, room_cash) * (1.0 + 1e-12)
        q = min(want, max(room, 0.0) / price)
        if not fractional:
            q = float(np.floor(q + 1e-9))
        if q < want - TOLERANCE * max(1.0, want):
            which = min(
                (room_position, "position cap"),
                (room_exposure, "exposure cap"),
                (room_cash, "cash"),
            )[1]
            notes.append(f"{tr.symbol}: buy resized {want:g} -> {q:g} ({which})")
        if q <= 0:
            continue
        qty[i] += q
        held_value += q * price
        cash -= q * price + cost
        passed.append(_resized(tr, q))
    return passed, notes


def _all_within(
    ordered: list[PlannedTrade],
    qty: list[float],
    cash: float,
    held_value: float,
    equity: float,
    policy: Policy,
    column: Callable[[str], int],
) -> bool:
    """True when :func:`apply_limits` (fractional) would pass every trade of ``ordered``
    unchanged (:func:`_columns_within` on the trades' columns)."""
    if len(ordered) < 2:
        return False
    index = np.array([column(tr.symbol) for tr in ordered], dtype=np.int64)
    price = np.array([tr.price for tr in ordered])
    want = np.array([tr.quantity for tr in ordered])
    cost = np.array([tr.est_costs.total for tr in ordered])
    buy = np.array([tr.side is Side.BUY for tr in ordered])
    held = np.array(qty)[index]
    return _within(index, buy, price, want, cost, held, cash, held_value, equity, policy)


def _within(
    index: IntArray,
    buy: BoolArray,
    price: FloatArray,
    want: FloatArray,
    cost: FloatArray,
    held: FloatArray,
    cash: float,
    held_value: float,
    equity: float,
    policy: Policy,
) -> bool:
    """:func:`_columns_within`, answered row by row on Python floats for up to
    ``SMALL_BATCH`` trades (:func:`_rows_within`: the same answer, cheaper for a few rows)."""
    check = _rows_within if len(index) <= SMALL_BATCH else _columns_within
    return check(index, buy, price, want, cost, held, cash, held_value, equity, policy)


def _columns_within(
    index: IntArray,
    buy: BoolArray,
    price: FloatArray,
    want: FloatArray,
    cost: FloatArray,
    held: FloatArray,
    cash: float,
    held_value: float,
    equity: float,
    policy: Policy,
) -> bool:
    """True when :func:`apply_limits` (fractional) would pass every trade (rows in the order
    the loop takes them, sells first) unchanged: each sell within its position, each buy
    within all three rooms.

    The rooms are those of the loop, from the same running sums in the same order
    (``np.add.accumulate`` adds one term after another), so the answer is exact; a repeated
    symbol, a missing price, rows not sells first or a non-finite room send the trades
    through the loop.
    """
    n = len(index)
    if n < 2 or len(set(index.tolist())) != n:
        return False
    sells = n - int(np.count_nonzero(buy))
    if np.count_nonzero(buy[sells:]) != n - sells:
        return False  # not sells first
    usable = price > 0.0
    usable &= price < math.inf
    usable &= want > 0.0
    if np.count_nonzero(usable) != n:
        return False  # a missing price, or a trade of nothing (NaN fails every test)
    if np.count_nonzero(want[:sells] <= np.maximum(held[:sells], 0.0)) != sells:
        return False  # a sell larger than its position
    value = want * price
    # the loop's running sums, term by term: sells first (value in, cash in), then buys
    held_run = np.empty(n + 1)
    held_run[0] = held_value
    np.negative(value[:sells], out=held_run[1 : sells + 1])
    held_run[sells + 1 :] = value[sells:]
    cash_run = np.empty(n + 1)
    cash_run[0] = cash
    np.subtract(value[:sells], cost[:sells], out=cash_run[1 : sells + 1])
    np.add(value[sells:], cost[sells:], out=cash_run[sells + 1 :])
    np.negative(cash_run[sells + 1 :], out=cash_run[sells + 1 :])
    held_before = np.add.accumulate(held_run)[sells:n]
    cash_before = np.add.accumulate(cash_run)[sells:n]
    price_b, cost_b = price[sells:], cost[sells:]
    room_position = policy.max_position_size * equity - held[sells:] * price_b
    room_exposure = policy.invested_fraction * equity - held_before
    room_cash = cash_before - cost_b
    room = np.minimum(np.minimum(room_position, room_exposure), room_cash) * (1.0 + 1e-12)
    fits = np.isfinite(room)  # a non-finite room goes through the loop
    np.maximum(room, 0.0, out=room)
    room /= price_b
    fits &= room >= want[sells:]
    return int(np.count_nonzero(fits)) == n - sells


def _rows_within(
    index: IntArray,
    buy: BoolArray,
    price: FloatArray,
    want: FloatArray,
    cost: FloatArray,
    held: FloatArray,
    cash: float,
    held_value: float,
    equity: float,
    policy: Policy,
) -> bool:
    """:func:`_columns_within` row by row on Python floats: the same tests, and the same
    running sums added in the same order, so the same answer for every input
    (``tests/risk/test_limits_rows.py`` compares both).

    Hand-written next to the array version because a rebalance of a few symbols pays more for
    thirty array operations on a few rows than for the rows themselves.
    """
    n = len(index)
    if n < 2 or len(set(index.tolist())) != n:
        return False
    position_cap = policy.max_position_size * equity
    exposure_cap = policy.invested_fraction * equity
    inf = math.inf
    buying = False
    columns = (buy.tolist(), price.tolist(), want.tolist(), cost.tolist(), held.tolist())
    for b, p, w, c, h in zip(*columns, strict=True):
        if not (0.0 < p < inf and w > 0.0):
            return False  # a missing price, or a trade of nothing (NaN fails every test)
        value = w * p
        if not b:
            if buying or not w <= max(h, 0.0):
                return False  # not sells first, or a sell larger than its position
            held_value += -value
            cash += value - c
            continue
        buying = True
        room_position = position_cap - h * p
        room_exposure = exposure_cap - held_value
        room_cash = cash - c
        if room_position != room_position or room_exposure != room_exposure:
            return False  # NaN: np.minimum would carry it into the room
        if room_cash != room_cash:
            return False
        room = min(room_position, room_exposure, room_cash) * (1.0 + 1e-12)
        if not -inf < room < inf or not max(room, 0.0) / p >= w:
            return False  # a non-finite room goes through the loop; or the buy does not fit
        held_value += value
        cash += -(value + c)
    return True


def apply_limits_batch(
    trades: TradeBatch,
    book: Ledger,
    prices: FloatArray,
    policy: Policy,
    *,
    fractional: bool = True,
) -> tuple[TradeBatch, list[str]]:
    """:func:`apply_limits` of a :class:`~tradewind.domain.batches.TradeBatch`: a rebalance
    whose every trade is within every limit passes on its columns (sells first); any other
    goes through :func:`apply_limits` trade by trade. The answer is the same."""
    if fractional and len(trades) >= 2:
        ordered = trades.sells_first()  # the planner's batches come sells first: kept as they are
        total = trades.cost_total
        cost = total if ordered is trades else ordered.cost_total
        n = len(prices)
        finite = prices if np.count_nonzero(np.isfinite(prices)) == n else np.nan_to_num(prices)
        held_value = book.market_value(finite)
        equity = book.equity(prices) - sum(total.tolist())
        col = ordered.column
        if _within(
            col,
            ordered.buy,
            ordered.price,
            ordered.quantity,
            cost,
            book.quantity[col],
            book.cash,
            held_value,
            equity,
            policy,
        ):
            return ordered, []
    passed, notes = apply_limits(
        trades.trades(), book, prices, policy, fractional=fractional, shortcut=False
    )
    return TradeBatch.of(trades.universe, book.columns, passed), notes


def _resized(tr: PlannedTrade, q: float) -> PlannedTrade:
    if q == tr.quantity:
        return tr
    scale = q / tr.quantity
    costs = type(tr.est_costs)(
        tr.est_costs.commission * scale, tr.est_costs.slippage * scale, tr.est_costs.impact * scale
    )
    return PlannedTrade(tr.symbol, tr.side, q, tr.price, costs, tr.reason)


class LimitsOnly:
    """A risk hook with pre-trade limits only: no stops, no breakers, never halted."""

    def __init__(self, *, fractional: bool = True) -> None:
        self.fractional = fractional

    @property
    def halted(self) -> bool:
        """Never halted."""
        return False

    def blocked_buys(self) -> frozenset[str]:
        """Nothing is blocked."""
        return frozenset()

    def on_bar(self, t: pd.Timestamp, feed: FeedView, book: Ledger) -> list[PlannedTrade]:
        """No forced exits."""
        return []

    def allow(
        self, trades: list[PlannedTrade], book: Ledger, prices: FloatArray, policy: Policy
    ) -> tuple[list[PlannedTrade], list[str]]:
        """Apply :func:`apply_limits`."""
        return apply_limits(trades, book, prices, policy, fractional=self.fractional)

    def allow_batch(
        self, trades: TradeBatch, book: Ledger, prices: FloatArray, policy: Policy
    ) -> tuple[TradeBatch, list[str]]:
        """Apply :func:`apply_limits_batch`."""
        return apply_limits_batch(trades, book, prices, policy, fractional=self.fractional)

    def drain_events(self) -> list[EngineEvent]:
        """No events."""
        return []
