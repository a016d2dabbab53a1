"""The trading cycle: one pass per clock tick, identical in backtest, simulated, paper and live.

Per tick ``t``: advance the feed to ``t``; collect broker events; mark the book; detect the
regime and resolve its policy; let risk management force exits; ask the trigger whether to
rebalance; if so compute targets, plan trades, pass them through pre-trade limits and submit
(sells first); record the bar and any decision. Only the injected parts differ between modes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from tradewind.domain.arrays import FloatArray
from tradewind.domain.batches import OrderBatch, TradeBatch
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import OrderEvent, OrderStatus, Side
from tradewind.domain.plans import PlannedTrade, Policy, RegimeReading, TargetDecision
from tradewind.domain.records import Decision, orders_on_read
from tradewind.domain.types import Regime
from tradewind.engine.clock import ReplayClock
from tradewind.engine.columnar import allow_batch, plan_batch, submit_batch
from tradewind.engine.feed import MarketFeed
from tradewind.engine.ids import client_order_ids
from tradewind.engine.order_columns import OrderColumns
from tradewind.engine.protocols import (
    Broker,
    RebalanceTrigger,
    RegimeHook,
    RiskHook,
    TargetModel,
    TradePlanner,
)
from tradewind.engine.quiet import QuietBars
from tradewind.engine.recorder import Recorder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineParts:
    """Everything the cycle runs with besides the clock, feed and broker."""

    target_model: TargetModel
    trigger: RebalanceTrigger
    planner: TradePlanner
    regime: RegimeHook
    risk: RiskHook
    policy: Callable[[RegimeReading], Policy]
    """What the portfolio may do given the regime reading: the standard limits when the run is
    not regime-aware, the regime's policy, or the protective policy (which also reads the
    confidence); built by :func:`~tradewind.engine.strategy.policy_resolver`."""


class Engine:
    """Runs the cycle over a clock's ticks.

    ``fast_forward`` (class attribute): pass quiet bars on arrays in :meth:`run` (False: one
    cycle per bar; the tests compare the two).

    Parameters
    ----------
    feed
        Market data served as of the clock.
    broker
        Where orders go.
    parts
        Strategy, trigger, planner, regime and risk hooks.
    initial_cash
        Cash of the engine's own book (reconciled against the broker in live modes).
    run_tag
        Short tag that makes client order ids unique per run and deterministic.
    """

    fast_forward: bool = True

    def __init__(
        self,
        feed: MarketFeed,
        broker: Broker,
        parts: EngineParts,
        initial_cash: float,
        run_tag: str,
    ) -> None:
        self.feed = feed
        self.broker = broker
        self.parts = parts
        self.book = Ledger(feed.symbols, initial_cash)
        self.run_tag = run_tag
        self.recorder = Recorder(feed.symbols)
        self.targets: FloatArray | None = None
        self.regime: RegimeReading | None = None
        self._halt_noted = False
        self.carry_since: pd.Timestamp | None = None
        """When set, a rebalance capped by ``max_trades_per_rebalance`` (started then) still has
        trades to place: each cycle continues it toward :attr:`targets` (see :meth:`_carry`)."""
        self._first: tuple[pd.Timestamp, TargetDecision] | None = None
        self.drift_from: FloatArray | None = None
        """Set after a rebalance (or carry) that could place no order at all: the weights it
        left, which the drift trigger then measures against instead of the unreachable targets
        (until the next rebalance that trades)."""

    @property
    def rebalance_paused(self) -> bool:
        """Whether a fired trigger changes nothing now: a latched halt whose "no rebalancing"
        note is recorded (a firing trigger's cycle then only asks it, see :meth:`_rebalance`)."""
        return self._halt_noted and self.parts.risk.halted

    # --- checkpoints ---------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The strategy's memory after the last cycle, as JSON: last targets, regime reading,
        whether a halt was noted, and the trigger's memory. The book is not part of it (it is
        rebuilt from fills) and neither is the risk hook's (it has its own ``state``)."""
        targets, reading = self.targets, self.regime
        return {
            "targets": [float(x) for x in targets] if targets is not None else None,
            "regime": reading.to_json() if reading is not None else None,
            "halt_noted": self._halt_noted,
            "carry_since": self.carry_since.isoformat() if self.carry_since is not None else None,
            "drift_from": [float(x) for x in self.drift_from]
            if self.drift_from is not None
            else None,
            **self.parts.trigger.state(),
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put back what :meth:`state` returned (into an engine built for the same run)."""
        if state.get("targets") is not None:
            self.targets = np.asarray(state["targets"], dtype=float)
        if state.get("regime") is not None:
            self.regime = RegimeReading.from_json(state["regime"])
        self._halt_noted = bool(state.get("halt_noted", False))
        since = state.get("carry_since")
        self.carry_since = pd.Timestamp(since) if since else None
        if state.get("drift_from") is not None:
            self.drift_from = np.asarray(state["drift_from"], dtype=float)
        self.parts.trigger.restore(state)

    # --- running -----------------------------------------------------------------------
    def run(self, clock: ReplayClock) -> Recorder:
        """Run one cycle per tick of ``clock``; return the recorder.

        After each cycle the bars on which nothing can happen are passed on arrays
        (:mod:`tradewind.engine.quiet`), with the same results as one cycle per bar.
        """
        quiet = QuietBars.for_run(self, clock) if self.fast_forward else None
        for t in clock.ticks():
            self.step(t)
            if quiet is not None:
                quiet.skip()
        return self.recorder

    def step(self, t: pd.Timestamp) -> None:
        """One cycle at time ``t``."""
        if self.feed.advance(t) < 0:
            return
        events = self.broker.process(t)
        if events:
            self._apply(events)
        prices = self.feed.last_close()
        reading = self._detect(t)
        policy = self._policy(reading)
        risk = self.parts.risk
        forced = risk.on_bar(t, self.feed, self.book)
        drained = risk.drain_events()
        if drained:
            self.recorder.events.extend(drained)
        if risk.halted:
            self._cancel_open_buys(t)
        if forced:
            forced = self.parts.planner.estimate(forced)
            exits = TradeBatch.of(self.feed.symbols, self.book.columns, forced)
            self._execute(t, exits, reading, policy, ("risk",), None)
            self._drop_targets(forced)
        current = self.book.weights(prices)
        previous = self.regime.regime if self.regime is not None else None
        self.regime = reading
        reasons = self._reasons(t, prices, current, reading.regime, previous, policy)
        if reasons:
            self._rebalance(t, prices, current, reading, policy, tuple(reasons))
        elif self.carry_since is not None:
            self._carry(t, prices, reading, policy)
        equity = self.book.equity(prices)
        weights = self.book.weights(prices)
        self.recorder.bar(t, equity, self.book.cash, reading.regime.value, weights)

    # --- steps -------------------------------------------------------------------------
    def _detect(self, t: pd.Timestamp) -> RegimeReading:
        reading = self.parts.regime.update(self.feed)
        if self.regime is not None and reading.regime is not self.regime.regime:
            self.recorder.event(
                t.to_pydatetime(),
                "regime_change",
                f"{self.regime.regime.value} -> {reading.regime.value} "
                f"(confidence {reading.confidence:.2f})",
            )
        return reading

    def _drop_targets(self, exits: list[PlannedTrade]) -> None:
        """A stopped symbol leaves the targets until the next rebalance.

        The cash a stop frees waits for the next rebalance the trigger fires for another
        reason (the calendar, drift of the other positions, a regime change), where the symbol
        may be bought again once its cool-down is over; without this the drift trigger would
        spread it over the other symbols at once, a new portfolio after every stop. Exits of
        a halt (``flatten_on_halt``) keep their targets: after a resume the portfolio returns.
        """
        stopped = [tr.symbol for tr in exits if (tr.reason or "").startswith("stop:")]
        if self.targets is None or not stopped:
            return
        targets = self.targets.copy()
        for symbol in stopped:
            targets[self.book.index_of(symbol)] = 0.0
        self.targets = targets

    def _policy(self, reading: RegimeReading) -> Policy:
        return self.parts.policy(reading)

    def _reasons(
        self,
        t: pd.Timestamp,
        prices: FloatArray,
        current: FloatArray,
        regime: Regime,
        previous: Regime | None,
        policy: Policy,
    ) -> list[str]:
        """Ask the trigger (every bar, so it tracks sessions); act only with enough history.

        Before the first rebalance the targets are computed once without trading, so a drift
        trigger sees the all-cash portfolio as fully drifted while a calendar trigger still
        waits for the first session of its period.
        """
        eligible = self.feed.row + 1 >= self.parts.target_model.history_rows
        if eligible and self.targets is None:
            first = self.parts.target_model.targets(self.feed, policy, current)
            self.targets = first.weights
            self.recorder.events.extend(first.events)  # ML views / fallback alert (issue 25)
            self._first = (t, first)  # a rebalance at this bar takes it (its events said once)
        # while a capped rebalance is carried out, its drift is what the carry closes: the drift
        # trigger is not asked (no target), the calendar and a regime change still fire; after
        # a rebalance that could not trade, drift is measured from where it left the portfolio
        measured = self.targets if self.drift_from is None else self.drift_from
        if self.carry_since is not None:
            measured = None
        reasons = self.parts.trigger.reasons(t, current, measured, regime, previous)
        return reasons if eligible else []

    def _rebalance(
        self,
        t: pd.Timestamp,
        prices: FloatArray,
        current: FloatArray,
        reading: RegimeReading,
        policy: Policy,
        reasons: tuple[str, ...],
    ) -> None:
        if self.parts.risk.halted:
            if not self._halt_noted:
                notes = ("halted: no rebalancing until a human resumes",)
                before = self.book.equity(prices)
                self._record(t, reading, policy, reasons, (), notes, None, before)
                self._halt_noted = True
            return
        self._halt_noted = False
        blocked = self.parts.risk.blocked_buys()
        first, self._first = self._first, None
        if first is not None and first[0] is t and not blocked:
            decision = first[1]  # the first targets, computed and announced at this very bar
        else:
            decision = self.parts.target_model.targets(self.feed, policy, current, blocked)
            self.recorder.events.extend(decision.events)  # ML views / fallback (issue 25)
        self.targets = decision.weights
        allowed, refused = self._checked_plan(prices, decision.weights, policy)
        skips = (*self.parts.planner.skipped(), *refused)  # issue 23: the planner's skips too
        self._execute(t, allowed, reading, policy, reasons, decision, skips)
        self.carry_since = t if self.parts.planner.capped() else None
        self.drift_from = None if len(allowed) else self.book.weights(prices)

    def _checked_plan(
        self, prices: FloatArray, targets: FloatArray, policy: Policy
    ) -> tuple[TradeBatch, list[str]]:
        """The planner's trades toward ``targets`` (sized), through the risk hook's limits."""
        book = self.book
        trades = plan_batch(
            self.parts.planner, self.feed.symbols, book.quantity, prices, book.cash, targets
        )
        return allow_batch(self.parts.risk, trades, book, prices, policy)

    def _carry(
        self, t: pd.Timestamp, prices: FloatArray, reading: RegimeReading, policy: Policy
    ) -> None:
        """Continue a capped rebalance: the next ``max_trades_per_rebalance`` trades toward the
        targets it set (no new targets; buys of symbols blocked since then are left out).

        The carry ends when a plan is no longer capped, when a cycle places no order (nothing
        it can still do), or when a trigger fires a fresh rebalance, whose targets replace these.
        Its decision records no targets (they are those of the rebalance it continues), so it is
        not counted as a rebalance of its own.
        """
        since, targets = self.carry_since, self.targets
        if since is None or targets is None or self.parts.risk.halted:
            return  # a halt pauses the carry; a resume continues it
        blocked = self.parts.risk.blocked_buys()
        if blocked:
            targets = np.where([s in blocked for s in self.feed.symbols], 0.0, targets)
        allowed, refused = self._checked_plan(prices, targets, policy)
        reason = f"carry: continuing the rebalance of {since.date()} (max_trades_per_rebalance)"
        skips = (*self.parts.planner.skipped(), *refused)
        self._execute(t, allowed, reading, policy, (reason,), None, skips)
        placed = len(allowed) > 0
        self.carry_since = since if placed and self.parts.planner.capped() else None
        self.drift_from = None if placed else self.book.weights(prices)

    def _execute(
        self,
        t: pd.Timestamp,
        trades: TradeBatch,
        reading: RegimeReading,
        policy: Policy,
        reasons: tuple[str, ...],
        decision: object,
        notes: tuple[str, ...] = (),
    ) -> None:
        """Submit ``trades`` (sells first) as one batch, book what fills, record the decision."""
        ordered = trades.sells_first()
        before = self.book.equity(self.feed.last_close())
        extra: list[str] = list(notes)
        ts = t.to_pydatetime()
        symbols = ordered.symbols
        ids = client_order_ids(self.run_tag, t, ordered.buy.tolist(), symbols, ordered.universe)
        orders = OrderColumns(ordered, ids)  # the records are built when read
        outcome = submit_batch(self.broker, OrderBatch(ordered, ids, ts))
        if outcome.filled is not None:  # the book is not read while submitting
            self.book.apply_batch(outcome.filled)
            self.recorder.add_fills(outcome.filled)
        events: list[OrderEvent] = []
        for cid, result in zip(ids[outcome.done :], outcome.rest, strict=True):
            if isinstance(result, Exception):
                extra.append(f"{cid}: {result}")
                self.recorder.event(ts, "order_error", str(result), "warning")
                continue
            events.extend(result)
        self._apply(events)  # the rest is booked in one go, after the batch
        self._record(t, reading, policy, reasons, orders, tuple(extra), decision, before, ts)

    def _cancel_open_buys(self, t: pd.Timestamp) -> None:
        """A latched halt cancels every buy still open at the broker."""
        for order in self.broker.open_orders():
            if order.request.side is not Side.BUY:
                continue
            event = self.broker.cancel(order.request.client_order_id)
            if event is not None:
                self._apply([event])
                self.recorder.event(
                    t.to_pydatetime(),
                    "order_canceled",
                    f"{order.request.client_order_id}: open buy canceled (trading halted)",
                    "warning",
                )

    def _apply(self, events: list[OrderEvent]) -> None:
        fills = []
        for event in events:
            if event.status is OrderStatus.REJECTED:
                self.recorder.event(event.ts, "order_rejected", event.message, "warning")
            fill = event.fill
            if fill is not None:
                fills.append(fill)
        if fills:
            self.book.apply_all(fills)
            self.recorder.add_fill_list(fills)

    def _record(
        self,
        t: pd.Timestamp,
        reading: RegimeReading,
        policy: Policy,
        reasons: tuple[str, ...],
        orders: OrderColumns | tuple[()],
        notes: tuple[str, ...],
        decision: object,
        equity_before: float,
        ts: datetime | None = None,
    ) -> None:
        """Append the decision of this cycle (``ts``: ``t`` as a datetime, if at hand)."""
        targets = getattr(decision, "weights", None)
        made = Decision(
            t.to_pydatetime() if ts is None else ts,
            reading.regime.value,
            reading.confidence,
            getattr(decision, "method", policy.method),
            reasons,
            tuple(np.asarray(targets, dtype=float).tolist()) if targets is not None else (),
            (),
            self.book.equity(self.feed.last_close()),
            equity_before,
            getattr(decision, "fallback_reason", None),
            notes,
        )
        if isinstance(orders, OrderColumns) and len(orders):
            made = orders_on_read(made, orders)
        self.recorder.decisions.append(made)
