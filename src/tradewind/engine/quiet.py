"""Fast-forward over quiet bars: the cycles of a backtest on which nothing can happen.

Between two rebalances most cycles only mark the book and record the bar: no order rests at
the broker, the trigger cannot fire (a calendar period goes on, the regime reads the same,
drift stays below its level), no stop comes near its level, and no breaker comes near a warning
level (a latched halt changes nothing on such bars, unless a position is left to flatten or a
simulated resume is due; once the halt's "no rebalancing" note is recorded, a bar the trigger
fires on is quiet too, as the halted cycle only asks the trigger).
:class:`QuietBars` recognises a run of such bars after a cycle and passes it on arrays: the
equity and weights of every bar in one vectorised mark (the ledger's own formula, row by row,
so every figure is identical to the last bit), the risk manager's, the trigger's and the regime
hook's bookkeeping in one call each, and the recorder's rows appended in one go. The first bar
where anything could happen is left to the ordinary cycle. Only
:meth:`Engine.run <tradewind.engine.cycle.Engine.run>` uses it (a replay's or the trading
service's cycles run one by one), and only on an unguarded feed.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.ledger import Ledger
from tradewind.domain.plans import RegimeReading
from tradewind.engine.clock import ReplayClock
from tradewind.engine.feed import MarketFeed
from tradewind.engine.recorder import Recorder

CHUNK = 512
"""Most bars marked at once (bounds the arrays at large universes)."""


class _History(Protocol):
    @property
    def history_rows(self) -> int:
        """Bars the target model needs."""


class _Parts(Protocol):
    @property
    def target_model(self) -> _History:
        """The target model."""

    @property
    def trigger(self) -> object:
        """The rebalance trigger."""

    @property
    def regime(self) -> object:
        """The regime hook."""

    @property
    def risk(self) -> object:
        """The risk hook."""


class CycleState(Protocol):
    """What the fast-forward reads of the engine (:class:`~tradewind.engine.cycle.Engine`)."""

    @property
    def feed(self) -> MarketFeed:
        """The market feed."""

    @property
    def broker(self) -> object:
        """The broker."""

    @property
    def parts(self) -> _Parts:
        """Strategy parts."""

    @property
    def book(self) -> Ledger:
        """The engine's book."""

    @property
    def recorder(self) -> Recorder:
        """The run's recorder."""

    @property
    def targets(self) -> FloatArray | None:
        """The last targets."""

    @property
    def carry_since(self) -> pd.Timestamp | None:
        """Start of a capped rebalance still carried out."""

    regime: RegimeReading | None
    """The last cycle's regime reading (the fast-forward sets the last passed bar's)."""

    @property
    def drift_from(self) -> FloatArray | None:
        """Where a rebalance that could not trade left the weights (drift measured from it)."""

    @property
    def rebalance_paused(self) -> bool:
        """A latched halt, noted: the trigger may fire, nothing follows from it."""


@runtime_checkable
class QuietTrigger(Protocol):
    """A trigger that can say how many bars it stays quiet (the configured trigger)."""

    def quiet_rows(self, row: int, limit: int) -> int:
        """Rows after ``row`` (at most ``limit``) on which it cannot fire for time passing."""

    def drift_rows(self, current: FloatArray, target: FloatArray) -> int:
        """Leading rows of ``current`` (weights bar by bar) on which it cannot fire for drift."""

    def skip_to(self, row: int) -> None:
        """Remember ``row``'s session as the last one seen."""


@runtime_checkable
class QuietRisk(Protocol):
    """A risk hook that can pass quiet bars on arrays (the risk manager)."""

    def may_pass_quiet(self) -> bool:
        """Whether its state allows quiet bars at all (asked before anything is computed)."""

    def quiet_prefix(
        self, equity: FloatArray, new_session: BoolArray, book: Ledger, feed: MarketFeed
    ) -> int:
        """How many of the bars ``1..`` of ``equity`` are quiet (``feed`` at bar 0)."""

    def pass_quiet(
        self,
        first: pd.Timestamp,
        t: pd.Timestamp,
        equity: FloatArray,
        new_session: BoolArray,
        book: Ledger,
        prices: FloatArray,
    ) -> None:
        """Account quiet bars ``1..``; ``first`` is the first one's time, ``t`` and ``prices``
        the last one's."""


@runtime_checkable
class QuietRegime(Protocol):
    """A regime hook that can say how long its regime stays the same (a fixed regime, or a
    detector's precomputed decisions)."""

    def same_rows(self, stamps: npt.NDArray[np.int64], row: int, limit: int) -> int:
        """Rows after ``row`` (at most ``limit``) of the timeline ``stamps`` with its regime."""

    def update(self, feed: MarketFeed) -> RegimeReading:
        """The reading at the feed's current bar."""


@runtime_checkable
class IdleBroker(Protocol):
    """A broker that can say it has nothing to process (the simulator)."""

    def idle(self) -> bool:
        """True when no order rests and no event waits."""


class QuietBars:
    """Recognises and passes quiet bars after each cycle of one engine run (module docstring).

    Built by :meth:`for_run`, which returns None when the run's parts cannot be fast-forwarded
    (a guarded feed, an online regime detector, another risk hook or broker, a clock not the
    feed's timeline).
    """

    def __init__(
        self,
        engine: CycleState,
        trigger: QuietTrigger,
        risk: QuietRisk,
        broker: IdleBroker,
        regime: QuietRegime,
        clock: ReplayClock,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.trigger = trigger
        self.risk = risk
        self.broker = broker
        self.regime = regime
        self.rows = len(engine.feed.index)

    @classmethod
    def for_run(cls, engine: CycleState, clock: ReplayClock) -> QuietBars | None:
        """The fast-forward of ``engine`` over ``clock``'s ticks, or None when it cannot apply."""
        parts, feed, broker = engine.parts, engine.feed, engine.broker
        regime, trigger, risk = parts.regime, parts.trigger, parts.risk
        if type(feed) is not MarketFeed or not isinstance(regime, QuietRegime):
            return None
        if not isinstance(trigger, QuietTrigger) or getattr(trigger, "feed", None) is not feed:
            return None
        if not isinstance(risk, QuietRisk) or not isinstance(broker, IdleBroker):
            return None
        stamps, ticks = feed.stamps, clock.times.as_unit("ns").asi8
        if not len(ticks) or clock.position != -1:
            return None
        offset = int(np.searchsorted(stamps, ticks[0]))  # the feed row of the first tick
        if offset + len(ticks) != len(stamps) or not np.array_equal(stamps[offset:], ticks):
            return None  # the ticks are not the feed's rows one by one up to its end
        return cls(engine, trigger, risk, broker, regime, clock)

    def skip(self) -> None:
        """Pass the quiet bars that follow the cycle just run, taking their ticks from the
        clock (the run's loop over its ticks goes on after them)."""
        e = self.engine
        row = e.feed.row
        if not self._ready(row):
            return
        limit = min(CHUNK, self.rows - 1 - row)
        # halted with its note recorded, a bar the trigger fires on runs no rebalance: only the
        # trigger's memory of the last session moves, which skip_to sets below
        paused = e.rebalance_paused
        ahead = limit if paused else self.trigger.quiet_rows(row, limit)
        ahead = self.regime.same_rows(e.feed.stamps, row, ahead)
        if ahead < 1:
            return
        book = e.book
        closes = e.feed.closes_ahead(row, row + ahead + 1)
        qty = book.quantity
        values = closes * qty
        values[:, qty == 0] = 0.0  # a flat position is worth 0 even without a price
        equity = book.cash + np.add.reduce(values, axis=1)
        if equity[0] != book.equity(e.feed.last_close()):
            return  # not the ledger's mark (never expected): leave the bars to the cycle
        with np.errstate(divide="ignore", invalid="ignore"):  # no equity: not quiet (below)
            weights = values / equity[:, None]  # each bar's weights, as the book gives them
        if not paused:
            measured = e.targets if e.drift_from is None else e.drift_from
            if measured is None:
                return
            ahead = min(ahead, self.trigger.drift_rows(weights[1:], measured))
            if ahead < 1:
                return
        new_session = e.feed.session_starts()[row : row + ahead + 1]
        n = self.risk.quiet_prefix(equity[: ahead + 1], new_session, book, e.feed)
        if n < 1:
            return
        stamps = self.clock.take(n)
        last = self.clock.now()
        e.feed.advance_rows(n, last)
        prices = e.feed.last_close()
        self.risk.pass_quiet(stamps[0], last, equity[: n + 1], new_session[: n + 1], book, prices)
        self.trigger.skip_to(row + n)
        regime = e.regime.regime.value if e.regime is not None else ""
        e.regime = self.regime.update(e.feed)  # the last passed bar's reading, same regime
        quiet = weights[1 : n + 1]
        quiet.setflags(write=False)
        e.recorder.bars(stamps, equity[1 : n + 1], book.cash, regime, quiet)

    def _ready(self, row: int) -> bool:
        """Whether the state after the cycle at ``row`` allows quiet bars at all."""
        e = self.engine
        if row < 0 or row + 1 >= self.rows or e.targets is None or e.carry_since is not None:
            return False
        if e.regime is None or row + 1 < e.parts.target_model.history_rows:
            return False
        return self.broker.idle() and self.risk.may_pass_quiet()
