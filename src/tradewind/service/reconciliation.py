"""Reconcile-before-trade in the service: the broker's account against the run's book, and
what may explain a difference before it halts trading.

:class:`Reconciliation` is the part of :class:`~tradewind.service.cycle_runner.CycleRunner`
that runs before every cycle (and at start-up): it settles open orders with the broker, brings
the simulator's account to the corporate actions due (:func:`~tradewind.brokers.activities.
catch_up`), compares the account with the book (:mod:`tradewind.orders.reconcile`), and, before
latching a ``reconciliation`` halt, books what explains the difference exactly, each with its
event in the same transaction as the baseline it changes:

* a stock split the market data confirms (:mod:`tradewind.orders.splits`), or a pause while the
  broker shows one the data does not show yet;
* dividends and interest the broker lists, or (a broker that cannot list them) the dividends the
  data says are due (:mod:`tradewind.orders.income`, :mod:`tradewind.orders.due_dividends`);
* the broker's regulatory fees within the allowance;
* after a person resumed: the broker's account adopted, deposits and withdrawals measured as
  capital flows (:mod:`tradewind.orders.flows`), withdrawals taken from the cash set aside first.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

import pandas as pd

from tradewind.brokers.activities import cash_activities, catch_up
from tradewind.domain.actions import CorporateAction, known_by
from tradewind.domain.cash import CapitalFlow, CashActivity
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import ClientOrderId, OrderEvent, OrderStatus
from tradewind.orders.account import Baseline, book_at_open, rebuild_book, session_date
from tradewind.orders.due_dividends import due_dividends, settle_due
from tradewind.orders.flows import is_flow, measure_flow
from tradewind.orders.income import settle_cash
from tradewind.orders.reconcile import (
    HALT_KIND,
    AccountDifference,
    adopted_baseline,
    broker_fees,
    compare_account,
    decide,
    fee_allowance,
    fingerprint,
)
from tradewind.orders.reserve import draw_on_reserve
from tradewind.orders.splits import (
    SplitBooking,
    pending_deadline,
    pending_key,
    split_pending,
    splits_explain,
    unbooked,
)
from tradewind.service.alerts import Alerter
from tradewind.service.checkpoint import SPLIT_PENDING_KEY, save_baseline
from tradewind.service.heartbeat import Heartbeat
from tradewind.service.recovery import Rebuilt, RunContext
from tradewind.store import NewEvent

log = logging.getLogger("tradewind.service")

MAX_LOOKS = 3
"""Most times one reconciliation books part of a difference and looks again (a split, then the
dividend paid the same day: two); each booking removes a difference, so this only bounds it."""

LOOK_AGAIN = "look again"
"""What one look returns after booking part of a difference (never returned to the cycle)."""


def _next_close(t: datetime) -> datetime:
    """The first NYSE session close strictly after ``t``."""
    from tradewind.calendar import nyse

    return nyse().next_close(t).to_pydatetime()


class Reconciliation(ABC):
    """Reconciliation steps of a service run's cycles (see the module docstring); a base of
    :class:`~tradewind.service.cycle_runner.CycleRunner`, reading and updating the attributes
    declared below."""

    ctx: RunContext
    alerter: Alerter
    heartbeat: Heartbeat
    _check_book: bool
    _blocked_noted: bool

    @property
    @abstractmethod
    def rebuilt(self) -> Rebuilt:
        """The current engine and its surroundings."""

    @abstractmethod
    def _recover(self, rerun_tick: datetime | None) -> None:
        """Rebuild the engine from the store (after a booking changed the baseline)."""

    @abstractmethod
    def _flush_order_alerts(self, tick: datetime | None) -> None:
        """Send the order manager's alerts raised while settling orders."""

    def _reconcile(self, tick: datetime | None) -> str:
        """Settle orders, compare the account; ``trade``, or why this cycle does not trade.

        After booking what explains part of a difference (a split of the shares, the dividend
        paid beside it), it looks again at the same account: what is left is explained in turn,
        or halts. The broker is read once: a booking changes the book, not the account.
        """
        broker = self.ctx.broker
        self.rebuilt.om.reconcile_orders(tick, ignore=set(self.ctx.baseline.ignored_orders))
        self._flush_order_alerts(tick)
        if tick is not None:  # the simulator's account takes the splits and dividends due
            catch_up(broker, pd.Timestamp(tick))
        positions, cash = broker.positions(), broker.cash()
        for _ in range(MAX_LOOKS):
            outcome = self._compare(tick, positions, cash, may_book=True)
            if outcome != LOOK_AGAIN:
                return outcome
        return self._compare(tick, positions, cash, may_book=False)

    def _compare(
        self,
        tick: datetime | None,
        positions: Mapping[str, float],
        cash: float,
        *,
        may_book: bool,
    ) -> str:
        """One look at the broker's ``positions`` and ``cash`` against the book: ``trade``, why
        this cycle does not trade, or :data:`LOOK_AGAIN` after booking part of a difference
        (only when ``may_book``)."""
        st = self.rebuilt
        baseline = self.ctx.baseline
        diffs = compare_account(
            st.truth, positions, cash, baseline.external, baseline.reserved_cash
        )
        problems = list(st.om.unexplained) + [d.describe() for d in diffs]
        st.om.unexplained.clear()
        if not st.book_ok:
            problems.append(
                "the book rebuilt from the store's fills differs from the one saved with the "
                "last checkpoint (was the database edited?)"
            )
        scope = self.ctx.scope
        action = decide(problems, scope.halts())
        if action == "trade":
            self._blocked_noted = False
            return "trade"
        if action == "adopt":
            self._adopt(diffs, problems, tick)
            return "trade"
        others = len(problems) - len(diffs)
        if action == "latch" and may_book:
            # the income rule explains the cash part (asked only when the cash differs: it
            # lists the broker's entries)
            money = [d for d in diffs if d.kind == "cash"]
            if self._booked_splits(diffs, others, tick) or (
                money and self._booked_income(money, others, tick)
            ):
                return LOOK_AGAIN
            if self._split_waits(diffs, others, tick):
                return "waiting for the market data to confirm a stock split"
            if self._took_fees(diffs, others, tick):
                return "trade"
        if action == "latch":
            message = (
                "trading HALTED, the broker and the store disagree: "
                + "; ".join(problems)
                + '. Check the broker, then: tradewind resume --confirm --reason "..." (the '
                "broker's account is then adopted as the truth)"
            )
            key = f"reconciliation-halt-run{self.ctx.run_id}-{fingerprint(problems)}"  # issue 22
            self.ctx.store.latch_halt(
                HALT_KIND,
                f"{len(problems)} difference(s) between the store and the broker that no order "
                "explains; trading stopped until a person reviews them",
                ts=tick,
                run_id=self.ctx.run_id,
                details="\n".join(problems),
                data=scope.stamp({"fingerprint": fingerprint(problems), "problems": problems}),
                among=scope.predicate(),
                notify=self.alerter.event_messages(
                    "reconciliation_halt", message, "critical", tick, key
                ),
            )
            self.alerter.alert("reconciliation_halt", message, "critical", ts=tick, dedupe_key=key)
            self._blocked_noted = True
        elif not self._blocked_noted:
            self.alerter.alert(
                "reconciliation_blocked",
                "no trading: a reconciliation halt is active (tradewind status shows it)",
                "warning",
                ts=tick,
            )
            self._blocked_noted = True
        return "blocked by a reconciliation halt"

    def _fee_allowance(self) -> float:
        """The most the broker may have taken as fees so far (``broker.fee_allowance_bps``)."""
        ctx = self.ctx
        fills = len(ctx.store.fills_by_id(ctx.run_id))
        return fee_allowance(
            ctx.cfg.broker.fee_allowance_bps, self.rebuilt.truth.traded_notional, fills
        )

    def _took_fees(
        self, diffs: list[AccountDifference], others: int, tick: datetime | None
    ) -> bool:
        """Whether the only difference is cash the broker took as its regulatory fees (within
        ``broker.fee_allowance_bps``): then the baseline's cash is lowered by it, the fees are
        recorded as an event, and trading goes on
        (:func:`~tradewind.orders.reconcile.broker_fees`)."""
        ctx = self.ctx
        if ctx.cfg.broker.fee_allowance_bps <= 0.0:
            return False
        fees = broker_fees(diffs, others, ctx.baseline.fees, self._fee_allowance())
        if fees is None:
            return False
        baseline = ctx.baseline.with_fees(fees)
        self._settle(baseline, [self._fees_event(fees, baseline, tick)], tick)
        return True

    def _booked_income(
        self, diffs: list[AccountDifference], others: int, tick: datetime | None
    ) -> bool:
        """Whether dividends and interest the broker lists, not booked yet, explain the cash
        difference ``diffs`` (with regulatory fees the fee rule accepts): then the baseline's
        cash is raised by them (income: it counts in the run's P&L) and each is recorded as a
        ``cash_income`` event (:func:`~tradewind.orders.income.settle_cash`). A broker that
        cannot list them: the dividends the market data says are due
        (:func:`~tradewind.orders.due_dividends.settle_due`). Positions may differ beside the
        cash: the caller looks again after the booking."""
        ctx = self.ctx
        since = self._baseline_since()
        listed = cash_activities(ctx.broker, since)
        if listed is None:  # the broker cannot list them: the dividends the data says are due
            settled = settle_due(diffs, others, self._due_dividends(since, tick))
        else:
            settled = settle_cash(
                diffs,
                others,
                listed,
                ctx.baseline.income_ids,
                ctx.baseline.fees,
                self._fee_allowance() if ctx.cfg.broker.fee_allowance_bps > 0.0 else 0.0,
            )
        if settled is None:
            return False
        baseline = ctx.baseline.with_income(settled.booked).with_fees(settled.fees)
        events = [
            self.alerter.prepare(
                "cash_income",
                f"{a.describe()}, booked: the broker credited it to the cash with no fill; "
                f"${baseline.income:,.2f} of dividends and interest in this run",
                "info",
                ts=tick,
                data={
                    "activity_id": a.activity_id,
                    "kind": a.kind,
                    "symbol": a.symbol,
                    "amount": a.amount,
                    "on": a.on.isoformat(),
                    "run_total": baseline.income,
                },
            )
            for a in settled.booked
        ]
        if settled.fees:
            events.append(self._fees_event(settled.fees, baseline, tick))
        self._settle(baseline, events, tick)
        return True

    def _booked_splits(
        self, diffs: list[AccountDifference], others: int, tick: datetime | None
    ) -> bool:
        """Whether stock splits the market data shows by now, not booked yet, explain the
        differences (:func:`~tradewind.orders.splits.splits_explain`): then the baseline books
        them (its positions stay in the old shares; the book takes each split at its
        ex-date), each is recorded as a ``position_split`` event, and trading goes on; the
        rebuilt engine's stops follow the new shares' prices (:mod:`tradewind.service.
        recovery`)."""
        ctx = self.ctx
        # a split the data showed before the baseline was taken (the run's first start, or an
        # adoption) is in its account already: only later ones can explain a difference (the
        # data shows one with its ex-date's bar, which may be published a session late)
        since = self._baseline_since()
        known = known_by(ctx.market.actions, tick or self._wall())
        booked = (a.split_id for a in ctx.baseline.splits)
        fresh = [a for a in unbooked(known, booked) if a.at > since]
        if not fresh:
            return False
        truth = self.rebuilt.truth
        bookings = splits_explain(diffs, others, fresh, self._last_prices())
        if bookings is None:
            return False
        baseline = ctx.baseline
        for b in bookings:
            baseline = baseline.with_split(b.action, b.fraction, b.cash_in_lieu)
        fills = [f for _, f in ctx.store.fills_by_id(ctx.run_id)]
        after = rebuild_book(truth.symbols, baseline, fills)
        events = [self._split_event(b, truth, after, tick) for b in bookings]
        self._settle(baseline, events, tick, forget_pending=True)
        return True

    def _split_event(
        self, b: SplitBooking, before: Ledger, after: Ledger, tick: datetime | None
    ) -> NewEvent:
        """The ``position_split`` event of the split ``b`` just booked."""
        a = b.action
        i = before.index_of(a.symbol)
        qty, cost = float(after.quantity[i]), float(after.average_cost[i])
        in_lieu = (
            f"; ${b.cash_in_lieu:,.2f} paid in lieu of {b.fraction:.4g} of a share"
            if b.fraction
            else ""
        )
        return self.alerter.prepare(
            "position_split",
            f"{a.describe()} booked, as the broker applied it and the market data confirms: "
            f"{float(before.quantity[i]):,.6g} shares at ${float(before.average_cost[i]):,.4f} "
            f"are now {qty:,.6g} at ${cost:,.4f} (cost basis unchanged; the stops follow)"
            + in_lieu,
            "info",
            ts=tick,
            data={
                "split_id": a.split_id,
                "symbol": a.symbol,
                "ratio": a.split,
                "ex_date": a.ex_date.isoformat(),
                "quantity": qty,
                "average_cost": cost,
                "cash_in_lieu": b.cash_in_lieu,
            },
        )

    def _split_waits(
        self, diffs: list[AccountDifference], others: int, tick: datetime | None
    ) -> bool:
        """Whether the differences look like a stock split the market data does not show yet
        (:func:`~tradewind.orders.splits.split_pending`) and have not lasted past the end of
        the next session: then nothing trades this cycle (no halt), with one ``split_pending``
        alert. When it started is kept in the store, so a restart does not reset the clock."""
        pending = split_pending(diffs, others)
        if pending is None:
            return False
        ctx, now = self.ctx, tick or self._wall()
        key, state_key = pending_key(pending), SPLIT_PENDING_KEY.format(run_id=ctx.run_id)
        saved = ctx.store.load_state(state_key) or {}
        if saved.get("key") == key:
            since = datetime.fromisoformat(str(saved["since"]))
        else:
            since = now
            what = ", ".join(p.describe() for p in pending)
            event = self.alerter.prepare(
                "split_pending",
                f"{what} at the broker: waiting for the market data to confirm; trading paused "
                "(a halt follows if the data does not show it by the end of the next session)",
                "warning",
                ts=tick,
                data={"pending": [[p.symbol, p.ratio] for p in pending]},
            )
            ctx.store.save_state(state_key, {"key": key, "since": now.isoformat()}, events=[event])
        return now <= pending_deadline(since, _next_close)

    def _baseline_since(self) -> datetime:
        """When the baseline's account was taken: the last adoption, or the run's first start
        (the broker's entries and the data's splits before it are in that account already)."""
        ctx = self.ctx
        return ctx.baseline.income_since or ctx.store.run(ctx.run_id).started_at

    def _forget_pending(self) -> None:
        """Drop the record of a pending split (booked, or adopted after a halt)."""
        self.ctx.store.save_state(SPLIT_PENDING_KEY.format(run_id=self.ctx.run_id), {})

    def _last_prices(self) -> dict[str, float]:
        """Each symbol's last close in the engine's feed (none before its first bar)."""
        feed = self.rebuilt.engine.feed
        if feed.row < 0:
            return {}
        return dict(zip(feed.symbols, feed.last_close().tolist(), strict=True))

    def _due_dividends(self, since: datetime, tick: datetime | None) -> list[CashActivity]:
        """The dividends the market data shows going ex since ``since`` (the baseline's cash),
        due to the shares the book held at each ex-date's open and not booked yet
        (:func:`~tradewind.orders.due_dividends.due_dividends`)."""
        ctx = self.ctx
        first = session_date(since)
        known = [
            a for a in known_by(ctx.market.actions, tick or self._wall()) if a.ex_date >= first
        ]
        if not any(a.dividend > 0.0 for a in known):
            return []
        fills = [f for _, f in ctx.store.fills_by_id(ctx.run_id)]
        symbols = self.rebuilt.truth.symbols

        def held(a: CorporateAction) -> float:
            if a.symbol not in symbols:
                return 0.0
            book = book_at_open(symbols, ctx.baseline, fills, a.ex_date)
            return float(book.quantity[book.index_of(a.symbol)])

        return due_dividends(known, held, ctx.baseline.income_ids)

    def _settle(
        self,
        baseline: Baseline,
        events: list[NewEvent],
        tick: datetime | None,
        *,
        forget_pending: bool = False,
    ) -> None:
        """Carry on from ``baseline``, saved before anything else together with the ``events``
        that report it (one transaction): a crash keeps what was booked and its alerts, or
        neither, and nothing is booked twice. Then the record of a pending split is dropped
        (``forget_pending``: it was booked, or adopted) and the engine rebuilt from the store
        (its book no longer the checkpoint's)."""
        save_baseline(self.ctx.store, self.ctx.run_id, baseline, events)
        self.ctx = replace(self.ctx, baseline=baseline)
        if forget_pending:
            self._forget_pending()
        self._check_book = False
        self._recover(tick)

    def _fees_event(self, fees: float, baseline: Baseline, tick: datetime | None) -> NewEvent:
        """The ``broker_fees`` event of ``fees`` just taken (``baseline``: after them)."""
        bps = self.ctx.cfg.broker.fee_allowance_bps
        return self.alerter.prepare(
            "broker_fees",
            f"the broker took ${fees:,.2f} of cash that no fill explains, within the fee "
            f"allowance ({bps:g} bp of the ${self.rebuilt.truth.traded_notional:,.0f} traded, "
            f"plus rounding): taken as its regulatory fees (SEC, FINRA TAF, CAT); "
            f"${baseline.fees:,.2f} in this run",
            "info",
            ts=tick,
            data={"fees": fees, "run_total": baseline.fees},
        )

    def _adopt(
        self, diffs: list[AccountDifference], problems: list[str], tick: datetime | None
    ) -> None:
        """A person resumed after seeing ``problems``: take the broker's account as the truth."""
        st = self.rebuilt
        ctx = self.ctx
        ignored = set(ctx.baseline.ignored_orders)
        for stored in ctx.store.open_orders(ctx.order_scope):
            cid = stored.client_order_id
            if ctx.broker.lookup(ClientOrderId(cid)) is None:
                ctx.store.apply_order_event(
                    cid,
                    OrderEvent(
                        OrderStatus.CANCELED,
                        tick or self._wall(),
                        message="not at the broker; closed when a person adopted the account",
                    ),
                )
        known = {o.client_order_id for o in ctx.store.open_orders(ctx.order_scope)}
        for order in ctx.broker.open_orders():
            if order.request.client_order_id not in known:
                ignored.add(order.request.client_order_id)
        prices = self._last_prices()
        # value that left as cash comes out of the cash set aside first (orders/reserve.py)
        reserved, diffs = draw_on_reserve(
            diffs, st.truth.symbols, prices, ctx.baseline.reserved_cash, self._equity()
        )
        baseline = adopted_baseline(ctx.baseline, st.truth, diffs, prices)
        # the broker's entries so far are in the adopted cash: list only later ones from now on
        baseline = replace(
            baseline,
            ignored_orders=tuple(sorted(ignored)),
            income_since=tick or self._wall(),
            reserved_cash=reserved,
        )
        flow = self._flow(diffs, prices, tick)
        if flow is not None:
            baseline = baseline.with_flow(flow)
        drawn = ctx.baseline.reserved_cash - reserved
        from_reserve = (
            f"; ${drawn:,.2f} of the cash that left was taken from the cash set aside "
            f"(${reserved:,.2f} left)"
            if drawn > 0.0
            else ""
        )
        events = [
            self.alerter.prepare(
                "reconciliation_adopted",
                "after the resume, the broker's account was adopted as the truth: "
                + "; ".join(problems)
                + from_reserve,
                "warning",
                ts=tick,
            )
        ]
        if flow is not None:
            events.append(self._flow_event(flow, baseline.flows, tick))
        # the baseline and its events in one transaction; the rebuilt breakers account the flow
        # (recovery.rebuild)
        self._settle(baseline, events, tick, forget_pending=True)

    def _flow(
        self, diffs: list[AccountDifference], prices: dict[str, float], tick: datetime | None
    ) -> CapitalFlow | None:
        """The deposit or withdrawal the adopted ``diffs`` make (None below the floor of
        :func:`~tradewind.orders.flows.is_flow`)."""
        amount = measure_flow(diffs, self.rebuilt.truth.symbols, prices)
        if not is_flow(amount, self._equity()):
            return None
        return CapitalFlow(tick or self._wall(), amount)

    def _equity(self) -> float:
        """The book's equity at the engine's last close (its cash before the first bar)."""
        truth, feed = self.rebuilt.truth, self.rebuilt.engine.feed
        return float(truth.equity(feed.last_close())) if feed.row >= 0 else truth.cash

    def _flow_event(
        self, flow: CapitalFlow, flows: Sequence[CapitalFlow], tick: datetime | None
    ) -> NewEvent:
        """The ``capital_flow`` event of ``flow`` just adopted."""
        net = sum(f.amount for f in flows)
        return self.alerter.prepare(
            "capital_flow",
            f"{flow.describe()} adopted: measured as a flow, not as performance (the run's "
            f"returns are time-weighted around it and the breakers' baselines moved by it); "
            f"net ${net:+,.2f} moved in or out over this run",
            "info",
            ts=tick,
            data={"amount": flow.amount, "at": flow.at.isoformat(), "run_net": net},
        )

    def _wall(self) -> datetime:
        """The wall clock's time (the heartbeat's clock)."""
        return self.heartbeat.now()
