"""Portfolio breakers on mark-to-market equity: daily loss, drawdown and consecutive losses.

Equity is cash plus every open position at the latest prices, so unrealized losses count.

* **Daily loss** is measured against the session's opening equity: the book valued at the
  previous session's last prices (fills since then included), or the first equity seen.
  A warning fires once per session at ``daily_loss_warning``; a halt at ``daily_loss_limit``.
* **Drawdown** is measured from the highest equity seen. A warning fires when it crosses
  ``drawdown_warning``, and again only after the drawdown recovered below
  ``DRAWDOWN_REARM x drawdown_warning`` (8% for the 10% warning), so a drawdown hovering around
  the level warns once, not at every crossing; a halt at ``max_drawdown``.
* **Consecutive losses** counts losing *round trips* in a row: a round trip starts when a
  position opens and ends when it is flat again; its P&L is the sum of the realized P&L of every
  reduction in between (net of costs, from the ledger's closed trades). A round trip with
  P&L >= 0 resets the count; ``consecutive_losses`` losing ones halt. Round trips that end in
  the same cycle (several stops on one bar) are counted one at a time in the order they
  closed, so the limit is judged at each; the halt's message lists them.

:meth:`Breakers.rebase` starts every baseline afresh at the current equity: it runs when a human
resumes, so a breaker does not trip again on the same loss the human just accepted.
:meth:`BreakerState.shift` moves the baselines by a deposit or withdrawal a person adopted (a
capital flow, :mod:`tradewind.orders.flows`), which is neither a gain nor a loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.fmt import pct
from tradewind.domain.ledger import ClosedTrade
from tradewind.risk.breaker_params import BreakerParams

BreakerKind = Literal["daily_loss", "drawdown", "consecutive_losses"]
BREAKER_KINDS: frozenset[str] = frozenset(get_args(BreakerKind))
"""The halts the breakers latch (the only ones a simulated resume may clear)."""


DRAWDOWN_REARM = 0.8
"""The drawdown warning re-arms once the drawdown is back below this fraction of its level."""


@dataclass(frozen=True, slots=True)
class Trip:
    """A breaker that fired this bar: a warning (``halt`` False) or a halt."""

    kind: BreakerKind
    halt: bool
    value: float
    threshold: float
    message: str


@dataclass(slots=True)
class BreakerState:
    """Everything the breakers remember between bars (persisted to survive restarts)."""

    session: str | None = None
    open_equity: float | None = None
    peak_equity: float | None = None
    last_equity: float | None = None
    consecutive_losses: int = 0
    daily_warned: bool = False
    drawdown_warned: bool = False
    open_trip_pnl: dict[str, float] = field(default_factory=dict)

    def daily_loss(self, equity: float) -> float:
        """Loss since the session's open as a fraction (negative for a gain)."""
        if not self.open_equity:
            return 0.0
        return 1.0 - equity / self.open_equity

    def drawdown(self, equity: float) -> float:
        """Fall from the peak equity as a fraction (0 at a new peak)."""
        if not self.peak_equity:
            return 0.0
        return max(1.0 - equity / self.peak_equity, 0.0)

    def shift(self, flow: float) -> None:
        """Account ``flow``, money moved into (> 0) or out of (< 0) the book outside trading
        since the last bar, as neither a gain nor a loss.

        The last equity moves by ``flow``; the session's opening and the peak move in
        proportion, ``x (last + flow) / last``, so the daily loss and the drawdown read the same
        fraction before and after it (a withdrawal is no drawdown, a deposit hides no loss).
        Without a usable last equity they move by ``flow`` itself; a baseline the flow takes
        to zero or below is dropped, to start again at the next bar's equity.
        """
        if not math.isfinite(flow) or flow == 0.0:
            return
        last = self.last_equity
        if last is not None and math.isfinite(last) and last > 0 and last + flow > 0:
            ratio = (last + flow) / last
            self.open_equity = _moved(self.open_equity, lambda x: x * ratio)
            self.peak_equity = _moved(self.peak_equity, lambda x: x * ratio)
        else:
            self.open_equity = _moved(self.open_equity, lambda x: x + flow)
            self.peak_equity = _moved(self.peak_equity, lambda x: x + flow)
        self.last_equity = _moved(last, lambda x: x + flow)


class Breakers:
    """Evaluates the portfolio breakers once per bar.

    Parameters
    ----------
    params
        Thresholds; with ``enabled`` False only the daily loss breaker runs (it belongs to
        ``risk_management`` itself, not to ``circuit_breaker``).
    """

    def __init__(self, params: BreakerParams) -> None:
        self.params = params
        self.state = BreakerState()
        self.closed_seen = 0
        """Closed trades of the ledger already counted by the losing-streak breaker."""

    def start_session(self, session: str, open_equity: float) -> None:
        """Begin ``session`` with ``open_equity`` as the daily baseline."""
        self.state.session = session
        self.state.open_equity = open_equity
        self.state.daily_warned = False

    def rebase(self, equity: float) -> None:
        """Restart every baseline at ``equity`` (after a human resumes)."""
        s = self.state
        s.open_equity = equity
        s.peak_equity = equity
        s.consecutive_losses = 0
        s.daily_warned = False
        s.drawdown_warned = False

    def update(
        self, equity: float, closed: Sequence[ClosedTrade], holding: Mapping[str, bool]
    ) -> list[Trip]:
        """Account this bar's equity and newly closed trades; return what fired.

        Parameters
        ----------
        equity
            Mark-to-market equity now.
        closed
            The ledger's closed trades (all of them; only new ones are read).
        holding
            Whether each symbol still has an open position (a round trip ends when it does not).
        """
        s = self.state
        if s.open_equity is None:
            s.open_equity = equity
        if s.peak_equity is None or equity > s.peak_equity:
            s.peak_equity = equity
        s.last_equity = equity
        p = self.params
        # the common bar: the daily loss is below both levels (or warned already) and no trade
        # closed; the checks below would find nothing (test_breakers holds the equivalence)
        loss = s.daily_loss(equity)
        if loss < p.daily_loss_limit and (loss < p.daily_loss_warning or s.daily_warned):
            trips: list[Trip] = []
        else:
            trips = self._daily(equity)
        if p.enabled:
            trips += self._drawdown(equity)
            if self.closed_seen != len(closed):
                trips += self._round_trips(closed, holding)
        return trips

    # --- quiet bars, on arrays ---------------------------------------------------------------
    def quiet_prefix(
        self, equity: FloatArray, new_session: BoolArray, closed: int, *, latched: bool = False
    ) -> int:
        """How many of the bars ``1..`` of ``equity`` :meth:`update` would pass without a trip
        (``latched``: without a warning; a halt already latched ignores further halt trips,
        the first cause staying on record, so a bar beyond a halt's level is quiet too).

        ``equity[0]`` is the last bar already accounted (the opening of a session starting at
        bar 1), ``new_session[j]`` says whether bar ``j`` starts a session and ``closed`` is the
        number of the ledger's closed trades (none closes on these bars). The answer is
        conservative: a bar at a warning level, even one already warned, ends the prefix, as
        does any state the scan does not model (no baseline yet, a round trip to count, a
        non-positive or non-finite equity), so the caller steps it bar by bar.
        """
        s, p = self.state, self.params
        if s.open_equity is None or s.peak_equity is None or len(equity) < 2:
            return 0
        if p.enabled and closed != self.closed_seen:
            return 0
        if not (s.open_equity > 0 and s.peak_equity > 0):
            return 0
        if not (math.isfinite(equity[0]) and equity[0] > 0):
            return 0
        eq = equity[1:]
        # every bar's equity positive and finite (the common case) by two reductions; NaN
        # propagates through np.minimum, so it fails "lo > 0"
        lo, hi = float(np.minimum.reduce(eq)), float(np.maximum.reduce(eq))
        if not (lo > 0 and hi < math.inf):
            bad = np.flatnonzero(~(np.isfinite(eq) & (eq > 0)))
            cut = int(bad[0])  # the scan ends before the first such bar
            if not cut:
                return 0
            equity, new_session, eq = equity[: cut + 1], new_session[: cut + 1], eq[:cut]
        loss = 1.0 - eq / _session_openings(equity, new_session, s.open_equity)
        quiet = loss < min(p.daily_loss_limit, p.daily_loss_warning)  # NaN: not quiet
        if latched:  # the limit's check comes first and returns its (ignored) halt trip alone
            quiet |= loss >= p.daily_loss_limit
        if p.enabled:
            dd = np.maximum(1.0 - eq / _peaks(eq, s.peak_equity), 0.0)
            calm = dd < min(p.max_drawdown, p.drawdown_warning)
            quiet &= (calm | (dd >= p.max_drawdown)) if latched else calm
        return len(eq) if np.logical_and.reduce(quiet) else int(np.argmin(quiet))

    def pass_quiet(self, equity: FloatArray, new_session: BoolArray, session: str) -> None:
        """Account bars ``1..`` of ``equity`` as :meth:`start_session` and :meth:`update` would,
        every one of them quiet (:meth:`quiet_prefix`); ``session`` is the last bar's."""
        s, p = self.state, self.params
        eq = equity[1:]
        if not len(eq):
            return
        starts = new_session[1:]
        if starts[-1]:  # the last bar opens its session (daily bars): its opening is the bar before
            opening = float(equity[-2])
        else:
            opening = float(_session_openings(equity, new_session, s.open_equity or 0.0)[-1])
        if starts[-1] or np.logical_or.reduce(starts):
            s.session = session
            s.daily_warned = False
        s.open_equity = opening
        peak = float(s.peak_equity or 0.0)
        top = float(np.maximum.reduce(eq))
        if top > peak:
            s.peak_equity = top
        if p.enabled:
            dd = np.maximum(1.0 - eq / _peaks(eq, peak), 0.0)
            if (dd < p.drawdown_warning * DRAWDOWN_REARM).any():
                s.drawdown_warned = False
        s.last_equity = float(eq[-1])

    # --- the three breakers ----------------------------------------------------------------
    def _daily(self, equity: float) -> list[Trip]:
        p, s = self.params, self.state
        loss = s.daily_loss(equity)
        if loss >= p.daily_loss_limit:
            return [
                Trip(
                    "daily_loss",
                    True,
                    loss,
                    p.daily_loss_limit,
                    f"daily loss {loss:.2%} reached the {pct(p.daily_loss_limit)} limit "
                    f"(equity {equity:,.2f} vs {s.open_equity:,.2f} at the session's open)",
                )
            ]
        if loss >= p.daily_loss_warning and not s.daily_warned:
            s.daily_warned = True
            return [
                Trip(
                    "daily_loss",
                    False,
                    loss,
                    p.daily_loss_warning,
                    f"daily loss {loss:.2%} passed the {pct(p.daily_loss_warning)} warning level",
                )
            ]
        return []

    def _drawdown(self, equity: float) -> list[Trip]:
        p, s = self.params, self.state
        dd = s.drawdown(equity)
        if dd >= p.max_drawdown:
            return [
                Trip(
                    "drawdown",
                    True,
                    dd,
                    p.max_drawdown,
                    f"drawdown {dd:.2%} from the peak equity {s.peak_equity:,.2f} reached the "
                    f"{pct(p.max_drawdown)} limit",
                )
            ]
        if dd < p.drawdown_warning * DRAWDOWN_REARM:
            s.drawdown_warned = False  # recovered well below the level: re-armed
        if dd < p.drawdown_warning or s.drawdown_warned:
            return []
        s.drawdown_warned = True
        return [
            Trip(
                "drawdown",
                False,
                dd,
                p.drawdown_warning,
                f"drawdown {dd:.2%} from the peak equity {s.peak_equity:,.2f} passed the "
                f"{pct(p.drawdown_warning)} warning level",
            )
        ]

    def _round_trips(
        self, closed: Sequence[ClosedTrade], holding: Mapping[str, bool]
    ) -> list[Trip]:
        """Count the round trips that ended since the last bar, one by one, in the order they
        closed: the limit is judged at each of them (a winner closing later in the same cycle
        cannot hide it), and the halt's message says when several ended in one cycle."""
        s = self.state
        self.closed_seen = min(self.closed_seen, len(closed))  # a new ledger after a restart
        touched: list[str] = []
        for trade in closed[self.closed_seen :]:
            s.open_trip_pnl[trade.symbol] = s.open_trip_pnl.get(trade.symbol, 0.0) + trade.pnl
            if trade.symbol not in touched:
                touched.append(trade.symbol)
        self.closed_seen = len(closed)
        limit = self.params.consecutive_losses
        ended: list[tuple[str, float]] = []
        worst, at = s.consecutive_losses, -1  # the longest streak this cycle, and where
        for symbol in touched:
            if holding.get(symbol, False):
                continue  # still open: the round trip goes on
            pnl = s.open_trip_pnl.pop(symbol)
            ended.append((symbol, pnl))
            s.consecutive_losses = s.consecutive_losses + 1 if pnl < 0 else 0
            if s.consecutive_losses > worst:
                worst, at = s.consecutive_losses, len(ended) - 1
        if at < 0 or worst < limit:
            return []
        return [
            Trip(
                "consecutive_losses",
                True,
                float(worst),
                float(limit),
                self._streak(worst, limit, ended, at),
            )
        ]

    @staticmethod
    def _streak(worst: int, limit: int, ended: list[tuple[str, float]], at: int) -> str:
        """The halt message: the streak, and the round trips that ended in this cycle."""
        text = f"{worst} losing round trips in a row (limit {limit})"
        if len(ended) == 1:
            symbol, pnl = ended[0]
            return f"{text}, the last {symbol} ({pnl:+,.2f})"
        listed = ", ".join(f"{sym} {pnl:+,.2f}" for sym, pnl in ended)
        first_over = at - (worst - limit)  # the round trip that reached the limit
        text += f": {len(ended)} round trips ended in the same cycle ({listed})"
        if first_over >= 0:
            text += f"; the limit was reached at {ended[first_over][0]}"
        if at < len(ended) - 1:
            text += ", and a winning round trip after it reset the count"
        return text


def _moved(value: float | None, move: Callable[[float], float]) -> float | None:
    """``move(value)`` when that is a positive finite number, else None (no baseline)."""
    if value is None:
        return None
    out = move(value)
    return out if math.isfinite(out) and out > 0 else None


def _session_openings(equity: FloatArray, new_session: BoolArray, opening: float) -> FloatArray:
    """Each bar's session opening for bars ``1..``: the previous bar's equity on a session's
    first bar, else the opening before it (``opening`` before the first start)."""
    starts = new_session[1:]
    if starts.all():  # daily bars: every bar opens its session
        return equity[:-1]
    source = np.where(starts, np.arange(len(starts)), -1)
    last = np.maximum.accumulate(source)
    known = np.append(equity[:-1], opening)  # index -1: the opening before the first start
    return known[last]


def _peaks(equity: FloatArray, peak: float) -> FloatArray:
    """The running peak after each bar, from ``peak`` before the first."""
    return np.maximum(np.maximum.accumulate(equity), peak)
