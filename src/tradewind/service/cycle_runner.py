"""One cycle of the service at a time: reconcile, check the data, step, record, checkpoint.

:class:`CycleRunner` owns the run's engine (as rebuilt from the store) and turns every failure
inside a cycle into the same recovery as a crash: the engine is thrown away, rebuilt from the
store, and the cycle is tried again after a growing wait (see :mod:`tradewind.service.runner`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from tradewind.data.freshness import Freshness
from tradewind.domain.errors import ConfigError
from tradewind.domain.records import EngineEvent
from tradewind.service.alerts import Alerter
from tradewind.service.checkpoint import capture, save_checkpoint
from tradewind.service.datagate import check_data
from tradewind.service.heartbeat import Heartbeat
from tradewind.service.market_refresh import MarketRefresher
from tradewind.service.reconciliation import Reconciliation
from tradewind.service.recovery import Rebuilt, RunContext, rebuild
from tradewind.service.stopping import Sleeper

log = logging.getLogger("tradewind.service")


@dataclass(frozen=True)
class CycleOutcome:
    """What happened to one cycle."""

    ran: int = 0
    blocked: bool = False
    failed: bool = False
    skipped: bool = False
    message: str = ""


class CycleRunner(Reconciliation):
    """Runs cycles of one service run (see the module docstring); reconciles the account
    before each (:class:`~tradewind.service.reconciliation.Reconciliation`)."""

    def __init__(
        self,
        ctx: RunContext,
        alerter: Alerter,
        heartbeat: Heartbeat,
        sleeper: Sleeper,
        fault: Callable[[str], None],
        *,
        error_backoff: Sequence[float],
        max_failures: int,
        max_age: timedelta | None,
        fresh: Freshness | None = None,
        refresher: MarketRefresher | None = None,
        on_recorded: Callable[[datetime], object] | None = None,
    ) -> None:
        self.ctx = ctx
        self.alerter = alerter
        self.heartbeat = heartbeat
        self.sleeper = sleeper
        self._fault = fault
        self.error_backoff = tuple(error_backoff) or (0.0,)
        self.max_failures = max(max_failures, 1)
        self.max_age = max_age
        self.fresh = fresh
        self.refresher = refresher
        self._on_recorded = on_recorded  # the run's weekly reports as weeks close
        self._rebuilt: Rebuilt | None = None
        self._check_book = True
        self._blocked_noted = False
        self.cycles = 0

    @property
    def current(self) -> Rebuilt | None:
        """The current engine, or None while it needs rebuilding."""
        return self._rebuilt

    @property
    def rebuilt(self) -> Rebuilt:
        """The current engine and its surroundings (rebuilt from the store when needed)."""
        if self._rebuilt is None:
            raise RuntimeError("the service has not recovered its engine yet")
        return self._rebuilt

    # --- start-up ------------------------------------------------------------------------
    def start(self, first_tick: datetime | None) -> None:
        """Recover the engine and reconcile with the broker before anything trades."""
        self._recover(first_tick)
        ckpt = self.rebuilt.checkpoint
        self.cycles = ckpt.cycles if ckpt is not None else 0
        self._reconcile(first_tick)

    # --- one cycle -------------------------------------------------------------------------
    def run_cycle(self, t: pd.Timestamp, next_slot: pd.Timestamp | None = None) -> CycleOutcome:
        """Run the cycle at ``t``, retrying after failures (see the module docstring)."""
        if self.refresher is not None:  # wall clock: new bars rebuild broker and engine
            fresh_ctx = self.refresher.refresh(self.ctx, t)
            if fresh_ctx is not None:
                self.ctx, self._rebuilt = fresh_ctx, None
        failures = 0
        while True:
            try:
                if self._rebuilt is None:
                    self._recover(t.to_pydatetime())
                return self._once(t)
            except ConfigError:  # a setting only a person can fix: retrying cannot help
                self._rebuilt = None
                raise
            except Exception as exc:  # any other failure never takes the service down
                failures += 1
                self._rebuilt = None
                wait = self.error_backoff[min(failures - 1, len(self.error_backoff) - 1)]
                message = (
                    f"cycle at {t.isoformat()} abandoned ({type(exc).__name__}: {exc}); the "
                    f"engine is rebuilt from the store (attempt {failures}/{self.max_failures})"
                )
                log.debug("cycle failure", exc_info=True)
                self.alerter.alert("cycle_failed", message, "error")
                if failures >= self.max_failures:
                    return CycleOutcome(failed=True, message=message)
                if (
                    next_slot is not None
                    and pd.Timestamp(self._wall()) + timedelta(seconds=wait) >= next_slot
                ):
                    return CycleOutcome(skipped=True, message=message)
                if not self.sleeper.seconds(wait):
                    return CycleOutcome(skipped=True, message="stopped while waiting to retry")

    def _once(self, t: pd.Timestamp) -> CycleOutcome:
        tick = t.to_pydatetime()
        self.heartbeat.beat()
        verdict_reconcile = self._reconcile(tick)
        if verdict_reconcile != "trade":
            return CycleOutcome(blocked=True, message=verdict_reconcile)
        st = self.rebuilt
        verdict = check_data(st.engine.feed, t, self.max_age, self.fresh)
        if not verdict.ok:
            self.alerter.alert(
                "data_error", f"no trade at {t.isoformat()}: {verdict.message}", "warning", ts=tick
            )
            st.om.end_cycle()
            self._checkpoint(tick)
            return CycleOutcome(skipped=True, message=verdict.message)
        st.engine.step(t)
        st.om.end_cycle()
        extra = self._order_events(tick)
        self._fault("before_cycle_record")
        recorded = st.recorder.record(t, extra, notify=self.alerter.cycle_messages)  # issue 22
        self._fault("after_cycle_record")
        self.cycles += 1
        self._checkpoint(tick)
        self._fault("after_checkpoint")
        if recorded is not None:  # a repeat after an interruption: logged again, queued once
            self.alerter.report_events(recorded.events, f"run{self.ctx.run_id}-{t.isoformat()}")
        if recorded is not None and self._on_recorded is not None:  # issue 23 (never raises)
            self._on_recorded(tick)
        return CycleOutcome(ran=1)

    def session_end(self, close: pd.Timestamp) -> None:
        """Cancel orders still open at the broker after the session closed (configurable)."""
        try:
            if self._rebuilt is None:
                self._recover(None)
            canceled = self.rebuilt.om.cancel_open("stale at the session close")
            for e in self._order_events(close.to_pydatetime()):
                self.alerter.alert(e.kind, e.message, e.severity)
            if canceled:
                log.info("session end: canceled %d stale order(s)", len(canceled))
        except Exception as exc:
            self._rebuilt = None
            self.alerter.alert("session_end_failed", f"could not cancel stale orders: {exc}")

    # --- pieces ----------------------------------------------------------------------------
    def _recover(self, rerun_tick: datetime | None) -> None:
        self._rebuilt = rebuild(self.ctx, rerun_tick, check_book=self._check_book)

    def _checkpoint(self, tick: datetime) -> None:
        st = self.rebuilt
        cursor = self.ctx.store.max_fill_id(self.ctx.run_id)
        baseline = self.ctx.baseline  # its flows all accounted by the risk state (rebuild)
        ckpt = capture(
            st.engine,
            tick,
            cursor,
            self.cycles,
            len(baseline.flows),
            baseline.key(),
            len(baseline.splits),
        )
        save_checkpoint(self.ctx.store, self.ctx.run_id, ckpt)
        self._check_book = True

    def _order_events(self, tick: datetime) -> list[EngineEvent]:
        alerts, self.rebuilt.om.alerts = self.rebuilt.om.alerts, []
        return [EngineEvent(tick, a.kind, a.message, a.severity) for a in alerts]

    def _flush_order_alerts(self, tick: datetime | None) -> None:
        for e in self._order_events(tick or self._wall()):
            self.alerter.alert(e.kind, e.message, e.severity, ts=tick)
