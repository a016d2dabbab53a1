"""The risk manager: the engine's :class:`~tradewind.engine.protocols.RiskHook`.

Each bar (:meth:`RiskManager.on_bar`, called before any rebalance):

1. reload the halt from the store: a halt cleared by ``tradewind resume`` (this process or
   another) restarts the breakers' baselines at the current equity;
2. value the book at the latest prices and run the breakers (:mod:`tradewind.risk.breakers`);
   a warning becomes an event, a halt is latched in the store *before* anything else happens;
3. run the stops (:mod:`tradewind.risk.stops`): each hit becomes a full exit (``stop:<kind>``)
   and starts the symbol's cool-down;
4. while halted with ``flatten_on_halt``, exit every remaining position (``halt:flatten``);
5. save the tracker snapshot (breakers, stops, cool-downs) when the store keeps one.

Before orders go out (:meth:`RiskManager.allow`): while halted every buy is dropped; buys of a
symbol in cool-down are dropped; a sell of a symbol already exiting on a stop is dropped; the
rest pass :func:`~tradewind.risk.limits.apply_limits` (position cap, exposure cap and cash
buffer of the regime policy, buying power, no shorting). Every drop or resize names its reason.
A symbol that exits this bar is never traded again in the same cycle, even without a cool-down,
so a stop's track always ends (the book is seen flat) before the symbol can be bought again.

Events (stops, warnings, halts, resumes) queue up until the engine drains them with
:meth:`RiskManager.drain_events` into its recorder, from where the notifier sends them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.batches import TradeBatch
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.errors import ConfigError
from tradewind.domain.feed import FeedView
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import Side
from tradewind.domain.plans import PlannedTrade, Policy
from tradewind.domain.records import EngineEvent
from tradewind.domain.types import EXCHANGE_TZ
from tradewind.risk import status_view, tracker
from tradewind.risk.breaker_params import BreakerParams
from tradewind.risk.breakers import BREAKER_KINDS, Breakers, Trip
from tradewind.risk.halt import HaltState, HaltStore, MemoryHaltStore, ResumeRecord, TrackerStore
from tradewind.risk.limits import apply_limits, apply_limits_batch
from tradewind.risk.stop_scan import RowsAhead, StopScan, pass_scanned, scan_stops
from tradewind.risk.stops import StopBook, StopHit, StopParams

DAILY_WARNING_ACTIONS = (
    "review all open positions; check for systematic issues; consider reducing position "
    "sizes; document the cause"
)
DRAWDOWN_WARNING_ACTIONS = (
    "review overall strategy performance; check whether the market regime has changed; "
    "consider more defensive settings; document lessons learned"
)
HALT_ACTIONS = (
    "exits and stops still run, no order adds risk. Review all positions and market conditions, "
    'update risk parameters if needed, then resume: tradewind resume --confirm --reason "..."'
)


class RiskManager:
    """Stops, latched breakers and pre-trade limits behind the engine's risk hook.

    Parameters
    ----------
    symbols
        The engine's symbols (the ledger's columns).
    stops
        Stop parameters, or None for no stops.
    breakers
        Breaker thresholds.
    cooldown_sessions
        Sessions after a stop during which the symbol may not be bought (0: none).
    flatten_on_halt
        Exit every position while a halt is latched.
    store
        Where the halt is kept; in memory when None.
    tracker_store
        Where the breaker and stop state is saved after every bar and restored from at start
        (the trading service's checkpoints); None keeps it in memory and builds the snapshot
        only when asked (backtests).
    fractional
        Whether buys may be fractional (else resized buys are floored to whole shares).
    intrabar
        Trigger stops on bar lows where OHLC is observed (see :mod:`tradewind.risk.stops`).
    """

    def __init__(
        self,
        symbols: Sequence[str],
        *,
        stops: StopParams | None = None,
        breakers: BreakerParams | None = None,
        cooldown_sessions: int = 5,
        flatten_on_halt: bool = False,
        store: HaltStore | None = None,
        tracker_store: TrackerStore | None = None,
        fractional: bool = True,
        intrabar: bool = True,
        auto_resume_sessions: int | None = None,
    ) -> None:
        if cooldown_sessions < 0:
            raise ValueError(f"cooldown_sessions must be >= 0, was {cooldown_sessions}")
        self.symbols = tuple(symbols)
        self.stop_book = StopBook(stops, intrabar=intrabar) if stops is not None else None
        self._stop_scan: StopScan | None = None  # the last quiet_prefix scan, for pass_quiet
        self.breakers = Breakers(breakers or BreakerParams())
        self.cooldown_sessions = cooldown_sessions
        self.flatten_on_halt = flatten_on_halt
        self.store: HaltStore = store if store is not None else MemoryHaltStore()
        self.tracker_store = tracker_store
        self.fractional = fractional
        self.session: str | None = None
        self.session_index = 0
        self.cooldown_until: dict[str, int] = {}
        self._snapshot: dict[str, Any] | None = None
        self._last_bar: tuple[pd.Timestamp, Ledger, FloatArray, float] | None = None
        self.auto_resume_sessions = auto_resume_sessions
        self._halted_session: int | None = None
        self._halt = self.store.load()
        self._announce_halt = self._halt is not None
        self._events: list[EngineEvent] = []
        self._exiting: set[str] = set()
        self._prev_prices: FloatArray | None = None
        self._holding_view: _Holding | None = None
        self._restore()

    @classmethod
    def from_config(
        cls,
        cfg: TradewindConfig,
        symbols: Sequence[str],
        store: HaltStore | None = None,
        *,
        tracker_store: TrackerStore | None = None,
        intrabar: bool = True,
        auto_resume_sessions: int | None = None,
    ) -> RiskManager:
        """The manager ``cfg.risk_management`` describes (halt kept in memory unless given).

        ``auto_resume_sessions``: a simulated person resumes a breaker halt that many sessions
        after it latched (backtests and replays pass ``circuit_breaker.backtest_resume_sessions``;
        a wall-clock run never does).
        """
        risk = cfg.risk_management
        if risk.allow_short:
            raise ConfigError(
                "risk_management.allow_short: short selling is not supported yet (the ledger "
                "and brokers are long-only); set it to false"
            )
        sl = risk.stop_loss
        return cls(
            symbols,
            stops=StopParams.from_config(sl) if sl.enabled and sl.types else None,
            breakers=BreakerParams.from_config(risk),
            cooldown_sessions=sl.cooldown_days,
            flatten_on_halt=risk.circuit_breaker.flatten_on_halt,
            store=store,
            tracker_store=tracker_store,
            fractional=cfg.broker.fractional_shares,
            intrabar=intrabar,
            auto_resume_sessions=auto_resume_sessions,
        )

    # --- RiskHook ------------------------------------------------------------------------
    @property
    def halted(self) -> bool:
        """True while a latched halt blocks new risk."""
        return self._halt is not None

    @property
    def halt(self) -> HaltState | None:
        """The latched halt, if any."""
        return self._halt

    def on_bar(self, t: pd.Timestamp, feed: FeedView, book: Ledger) -> list[PlannedTrade]:
        """Breakers and stops on this bar; return the exits they force."""
        prices = feed.last_close()
        self._new_session(t, book, prices)
        equity = book.equity(prices)
        self._simulated_resume(t)
        self._sync_halt(t, equity)
        for trip in self.breakers.update(equity, book.closed_trades, self._holding(book)):
            self._on_trip(t, trip, equity)
        if self._exiting:
            self._exiting = set()
        exits: list[PlannedTrade] = []
        if self.stop_book is not None:
            for hit in self.stop_book.evaluate(feed, book):
                exits.append(self._stop_exit(t, hit, book, prices))
        if self.halted and self.flatten_on_halt:
            exits.extend(self._flatten(t, book, prices))
        # the feed's read-only rows never change: keep the array (the ledger caches its marks)
        self._prev_prices = prices if not prices.flags.writeable else prices.copy()
        self._save(t, book, prices, equity)
        return exits

    def allow(
        self, trades: list[PlannedTrade], book: Ledger, prices: FloatArray, policy: Policy
    ) -> tuple[list[PlannedTrade], list[str]]:
        """Drop what the halt, cool-downs and pending exits forbid; apply the limits to the rest."""
        notes: list[str] = []
        keep: list[PlannedTrade] = []
        halt, exiting, cooling = self._halt, self._exiting, bool(self.cooldown_until)
        for tr in trades:
            buy = tr.side is Side.BUY
            if buy and halt is not None:
                notes.append(f"{tr.symbol}: buy dropped (halted by {halt.breaker})")
                continue
            if exiting and tr.symbol in exiting:
                notes.append(f"{tr.symbol}: {tr.side.value} dropped (exiting on a stop this bar)")
                continue
            left = self.cooldown_left(tr.symbol) if buy and cooling else 0
            if left > 0:
                notes.append(f"{tr.symbol}: buy dropped (stop cool-down, {left} session(s) left)")
                continue
            keep.append(tr)
        passed, more = apply_limits(keep, book, prices, policy, fractional=self.fractional)
        return passed, notes + more

    def allow_batch(
        self, trades: TradeBatch, book: Ledger, prices: FloatArray, policy: Policy
    ) -> tuple[TradeBatch, list[str]]:
        """:meth:`allow` on columns: with no halt, no pending exit and no cool-down nothing is
        dropped and the limits apply to the batch as it is (:func:`apply_limits_batch`);
        otherwise the trades go through :meth:`allow` one by one. The answer is the same."""
        if self._halt is None and not self._exiting and not self.cooldown_until:
            return apply_limits_batch(trades, book, prices, policy, fractional=self.fractional)
        passed, notes = self.allow(trades.trades(), book, prices, policy)
        return TradeBatch.of(trades.universe, book.columns, passed), notes

    # --- quiet bars (the engine's fast-forward over bars where nothing can happen) ----------
    def may_pass_quiet(self) -> bool:
        """Whether the manager's state is one :meth:`quiet_prefix` models: nothing persisted
        bar by bar, a previous bar seen, a halt store no other process writes holding the halt
        as known (none, or the latched one: a halted run marks its bars like any other), and
        while halted, a simulated resume (if any) already counting."""
        if self.tracker_store is not None or self._prev_prices is None or self.session is None:
            return False
        if not isinstance(self.store, MemoryHaltStore) or self.store.load() is not self._halt:
            return False
        if self._halt is None or self._announce_halt:
            return self._halt is None
        return not self._resume_counts() or self._halted_session is not None

    def _resume_counts(self) -> bool:
        """Whether a simulated person resumes the latched halt after some sessions."""
        halt = self._halt
        return (
            self.auto_resume_sessions is not None
            and halt is not None
            and halt.breaker in BREAKER_KINDS
        )

    def quiet_prefix(
        self, equity: FloatArray, new_session: BoolArray, book: Ledger, feed: RowsAhead
    ) -> int:
        """How many of the bars ``1..`` of ``equity`` (the book's equity at each bar, bar 0 the
        last one :meth:`on_bar` saw; ``feed`` at bar 0) :meth:`on_bar` would pass with nothing
        to do but its bookkeeping: no stop near its level, no halt latched or to latch, no
        breaker warning, no round trip to count. 0 whenever the state is one the scan does not
        model (:meth:`may_pass_quiet`)."""
        self._stop_scan = None
        if not self.may_pass_quiet():
            return 0
        if self._halt is not None and self.flatten_on_halt and bool((book.quantity > 0).any()):
            return 0  # a position the halt still has to sell (one without a price yet)
        closed, latched = len(book.closed_trades), self._halt is not None
        n = self.breakers.quiet_prefix(equity, new_session, closed, latched=latched)
        after, since = self.auto_resume_sessions, self._halted_session
        if n > 0 and self._resume_counts() and after is not None and since is not None:
            # the stretch ends before the session of the simulated resume (its cycle resumes)
            passed = self.session_index + np.cumsum(new_session[1 : n + 1])
            due = np.flatnonzero(passed - since >= after)
            n = int(due[0]) if due.size else n
        if self.stop_book is not None and n > 0:
            self._stop_scan = scan_stops(self.stop_book, feed, book, n)
            n = self._stop_scan.quiet
        return n

    def pass_quiet(
        self,
        first: pd.Timestamp,
        t: pd.Timestamp,
        equity: FloatArray,
        new_session: BoolArray,
        book: Ledger,
        prices: FloatArray,
    ) -> None:
        """Account bars ``1..`` of ``equity``, all quiet (:meth:`quiet_prefix`, just asked),
        as one :meth:`on_bar` per bar would; ``first`` is the first bar's time, ``t`` and
        ``prices`` the last one's."""
        session = _session_key(t)
        self.session_index += int(np.count_nonzero(new_session[1:]))
        self.session = session
        self.breakers.pass_quiet(equity, new_session, session)
        if not self._resume_counts():
            self._halted_session = None  # as _simulated_resume leaves it; else still counting
        if self._exiting:
            self._exiting = set()
        if self.stop_book is not None:
            scan, self._stop_scan = self._stop_scan, None
            if scan is None:
                raise RuntimeError("pass_quiet needs the stop scan of quiet_prefix first")
            pass_scanned(self.stop_book, scan, book, len(equity) - 1, first)
        self._prev_prices = prices if not prices.flags.writeable else prices.copy()
        self._save(t, book, prices, float(equity[-1]))

    def drain_events(self) -> list[EngineEvent]:
        """Events since the last call (stops, warnings, halts, resumes), oldest first."""
        events, self._events = self._events, []
        return events

    # --- human actions and queries ---------------------------------------------------------
    def resume(self, who: str, reason: str, at: datetime | None = None) -> ResumeRecord:
        """Clear the halt (as ``tradewind resume`` does); baselines restart at the next bar."""
        return self.store.clear(who, reason, at)

    def blocked_buys(self) -> frozenset[str]:
        """Symbols in a stop cool-down: the optimizer leaves them out until it ends."""
        return frozenset(s for s in self.cooldown_until if self.cooldown_left(s) > 0)

    def cooldown_left(self, symbol: str) -> int:
        """Sessions before ``symbol`` may be bought again (0: it may)."""
        return max(self.cooldown_until.get(symbol, 0) - self.session_index, 0)

    def status(self) -> dict[str, Any]:
        """The risk status: halt, resumes, drawdown, daily P&L, breaker distances, stops."""
        return status_view.status(
            self.store.load(), self.store.history(), self.snapshot, self.breakers.params
        )

    # --- steps -----------------------------------------------------------------------------
    def _new_session(self, t: pd.Timestamp, book: Ledger, prices: FloatArray) -> None:
        session = _session_key(t)
        if session == self.session:
            return
        if self.session is not None:
            self.session_index += 1
        if self._prev_prices is not None:
            opening = book.equity(self._prev_prices)
        elif self.breakers.state.last_equity is not None:
            opening = self.breakers.state.last_equity
        else:
            opening = book.equity(prices)
        self.session = session
        self.breakers.start_session(session, opening)

    def _simulated_resume(self, t: pd.Timestamp) -> None:
        """Backtests and replays only: a simulated human resumes ``auto_resume_sessions`` after
        a halt the breakers latched (never a halt of another kind, e.g. reconciliation)."""
        n = self.auto_resume_sessions
        if n is None or self._halt is None or self._halt.breaker not in BREAKER_KINDS:
            self._halted_session = None
            return
        if self._halted_session is None:
            self._halted_session = self.session_index
        elif self.session_index - self._halted_session >= n:
            self._halted_session = None
            self.resume(
                "backtest",
                f"simulated resume {n} sessions after the halt "
                "(circuit_breaker.backtest_resume_sessions; backtests and replays only)",
                t.to_pydatetime(),
            )

    def _sync_halt(self, t: pd.Timestamp, equity: float) -> None:
        loaded = self.store.load()
        if self._halt is not None and loaded is None:
            history = self.store.history()
            who = f"{history[-1].resumed_by}: {history[-1].reason}" if history else "unknown"
            self.breakers.rebase(equity)
            self._emit(
                t,
                "resume",
                f"trading resumed by {who}; breaker baselines restart at equity {equity:,.2f}",
            )
        self._halt = loaded
        if self._announce_halt and loaded is not None:
            self._announce_halt = False
            self._emit(
                t,
                "halt",
                f"trading is HALTED since {loaded.latched_at.isoformat()} ({loaded.breaker}: "
                f"{loaded.message}); {HALT_ACTIONS}",
                "critical",
            )

    def _on_trip(self, t: pd.Timestamp, trip: Trip, equity: float) -> None:
        if not trip.halt:
            actions = (
                DAILY_WARNING_ACTIONS if trip.kind == "daily_loss" else DRAWDOWN_WARNING_ACTIONS
            )
            self._emit(t, f"{trip.kind}_warning", f"{trip.message}: {actions}", "warning")
            return
        if self._halt is not None:
            return  # already latched: the first cause stays on record
        state = HaltState(
            trip.kind,
            trip.message,
            t.to_pydatetime(),
            "",
            {"value": trip.value, "threshold": trip.threshold, "equity": equity},
        )
        self.store.latch(state)
        self._halt = self.store.load()
        self._emit(t, "halt", f"trading HALTED: {trip.message}; {HALT_ACTIONS}", "critical")

    def _stop_exit(
        self, t: pd.Timestamp, hit: StopHit, book: Ledger, prices: FloatArray
    ) -> PlannedTrade:
        self._exiting.add(hit.symbol)
        if self.cooldown_sessions:
            self.cooldown_until[hit.symbol] = self.session_index + self.cooldown_sessions
        self._emit(t, "stop", hit.describe(), "warning")
        price = float(prices[book.index_of(hit.symbol)])
        return PlannedTrade(
            hit.symbol, Side.SELL, hit.quantity, price, CostBreakdown(), f"stop:{hit.kind}"
        )

    def _flatten(self, t: pd.Timestamp, book: Ledger, prices: FloatArray) -> list[PlannedTrade]:
        exits = []
        for i, symbol in enumerate(book.symbols):
            qty = float(book.quantity[i])
            if qty <= 0 or symbol in self._exiting or not np.isfinite(prices[i]):
                continue
            self._exiting.add(symbol)
            exits.append(
                PlannedTrade(
                    symbol, Side.SELL, qty, float(prices[i]), CostBreakdown(), "halt:flatten"
                )
            )
        if exits:
            names = ", ".join(e.symbol for e in exits)
            self._emit(
                t, "flatten", f"flatten_on_halt: selling every position ({names})", "warning"
            )
        return exits

    def _holding(self, book: Ledger) -> _Holding:
        """The open-position view of ``book`` (it reads the ledger when asked: kept)."""
        view = self._holding_view
        if view is None or view.book is not book:
            view = self._holding_view = _Holding(book)
        return view

    def _emit(self, t: pd.Timestamp, kind: str, message: str, severity: str = "info") -> None:
        self._events.append(EngineEvent(t.to_pydatetime(), kind, message, severity))

    # --- persistence -----------------------------------------------------------------------
    @property
    def snapshot(self) -> dict[str, Any] | None:
        """The tracker state after the last bar (built on demand when nothing persists it)."""
        if self._last_bar is not None:
            self._snapshot = tracker.snapshot(self, *self._last_bar)
            self._last_bar = None
            if self.tracker_store is not None:
                self.tracker_store.save_tracker(self._snapshot)
        return self._snapshot

    def _save(self, t: pd.Timestamp, book: Ledger, prices: FloatArray, equity: float) -> None:
        if self.tracker_store is None:  # in memory (backtests): build the snapshot only if asked
            self._last_bar = (t, book, prices, equity)
            return
        self._snapshot = tracker.snapshot(self, t, book, prices, equity)
        self.tracker_store.save_tracker(self._snapshot)

    def take_split(self, symbol: str, ratio: float) -> None:
        """Follow a stock split of a held ``symbol`` booked since the last bar (``ratio`` new
        shares per old one): its stops and its last price move to the new shares' prices, so
        neither a stop nor the session's opening equity reads the split as a move."""
        if self.stop_book is not None:
            self.stop_book.take_split(symbol, ratio)
        prev = self._prev_prices
        if prev is not None and symbol in self.symbols:
            moved = prev.copy()
            moved[self.symbols.index(symbol)] /= ratio
            self._prev_prices = moved

    def state(self) -> dict[str, Any]:
        """The manager's memory after the last bar, as JSON (for checkpoints): the tracker
        snapshot plus what it leaves out (closed trades already counted, the last prices, how
        long ago a simulated resume started counting, the halt as known, the stops' order)."""
        prev = self._prev_prices
        halted = self._halted_session
        tracks = self.stop_book.tracks if self.stop_book is not None else None
        return {
            "tracker": self.snapshot,
            "closed_seen": self.breakers.closed_seen,
            "prev_prices": [tracker.finite_or_none(x) for x in prev] if prev is not None else None,
            "halted_sessions_ago": self.session_index - halted if halted is not None else None,
            "halt": self._halt.to_dict() if self._halt is not None else None,
            "stop_order": list(tracks) if tracks is not None else None,
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put back what :meth:`state` returned, into a manager freshly built for the run."""
        saved = state.get("tracker")
        if saved and set(saved.get("positions", {})) <= set(self.symbols):
            tracker.restore(self, saved)
            self._snapshot = dict(saved)
        if state.get("closed_seen") is not None:
            self.breakers.closed_seen = int(state["closed_seen"])
        if state.get("prev_prices") is not None:
            self._prev_prices = np.array(
                [np.nan if x is None else float(x) for x in state["prev_prices"]]
            )
        if "halt" in state:
            # the halt as the engine knew it after the cycle; one latched or cleared since (by
            # an interrupted cycle, or by a person) is picked up from the halt store next bar
            halt = state["halt"]
            self._halt = HaltState.from_dict(halt) if halt else None
            self._announce_halt = False
        order = state.get("stop_order")
        if order and self.stop_book is not None:
            # stops fire in the order positions were opened (the tracks' insertion order), which
            # decides the exits' sequence numbers; the tracker snapshot lists them by symbol
            tracks = self.stop_book.tracks
            ordered = {sym: tracks[sym] for sym in order if sym in tracks}
            ordered.update({sym: t for sym, t in tracks.items() if sym not in ordered})
            tracks.clear()
            tracks.update(ordered)
        ago = state.get("halted_sessions_ago")
        if ago is not None:  # session numbers restart at 0 when the tracker is restored
            self._halted_session = self.session_index - int(ago)

    def _restore(self) -> None:
        if self.tracker_store is None:
            return
        saved = self.tracker_store.load_tracker()
        if saved and set(saved.get("positions", {})) <= set(self.symbols):
            tracker.restore(self, saved)
            self._snapshot = saved


class _Holding(Mapping[str, bool]):
    """Whether each symbol has an open position, read from the ledger only when asked."""

    def __init__(self, book: Ledger) -> None:
        self.book = book

    def __getitem__(self, symbol: str) -> bool:
        return bool(self.book.quantity[self.book.index_of(symbol)] > 0)

    def __iter__(self) -> Iterator[str]:
        return iter(self.book.symbols)

    def __len__(self) -> int:
        return len(self.book.symbols)


_SESSION_CACHE: dict[int, str] = {}


def _session_key(t: pd.Timestamp) -> str:
    """``t``'s New York date as ISO text (memoised: called on every bar)."""
    key = _SESSION_CACHE.get(t.value)
    if key is None:
        if len(_SESSION_CACHE) > 100_000:
            _SESSION_CACHE.clear()
        key = _SESSION_CACHE[t.value] = t.tz_convert(EXCHANGE_TZ).date().isoformat()
    return key
