"""Alerts: an event in the store, a line in the log and, for enabled channels, an outbox message.

Everything the service or the engine reports goes through :class:`Alerter`, the one place that
logs it, at its severity, through the project's logging (``logs/trading.log`` and the console,
secrets masked by the formatter): the service's own alerts (:meth:`Alerter.alert`) and the
engine's events of each recorded cycle (:meth:`Alerter.report_events`: halts, stop exits, the
daily-loss and drawdown warnings, resumes, order problems, regime changes).

Notifications (issue 22) are queued in the same transaction as what they report, so none is
lost in between: an alert with its event row, a cycle's fills, rebalances, regime change and
events with the cycle's record (:meth:`Alerter.cycle_messages`, passed to
``StoreRecorder.record``), a halt with its latch (:meth:`Alerter.halt_messages`). Which channel
gets what follows each channel's ``notify_*`` switches; halts and errors always go
(:mod:`tradewind.notify.routing`). The notifier threads (:mod:`tradewind.notify.runtime`) send
the outbox. A failing write of an alert never stops the service: it is logged and trading
carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tradewind.config import TradewindConfig
from tradewind.domain.records import EngineEvent
from tradewind.notify.compose import DailySummary, daily_notice
from tradewind.notify.events import event_notice
from tradewind.notify.notice import Notice
from tradewind.risk.halt import HaltState
from tradewind.service.notify_cycle import CycleNotices, halt_key
from tradewind.service.store_recorder import CycleFacts
from tradewind.store import NewEvent, OutboxMessage, Store

log = logging.getLogger("tradewind.service")

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


class Alerter:
    """Records and queues alerts for one run.

    Parameters
    ----------
    store
        The run's store.
    run_id
        The run.
    cfg
        The configuration (channel switches).
    channels
        Channels that get messages; default: every enabled channel. The service passes the
        enabled channels that have credentials, and none for a replay unless
        ``notifications.include_replays``.
    context
        Shown small with each message (``paper, run 3``).
    """

    def __init__(
        self,
        store: Store,
        run_id: int,
        cfg: TradewindConfig,
        channels: Sequence[str] | None = None,
        context: str = "",
    ) -> None:
        self.store = store
        self.run_id = run_id
        n = cfg.notifications
        if channels is None:
            channels = [
                name
                for name, ch in (("discord", n.discord), ("telegram", n.telegram))
                if ch.enabled
            ]
        self.channels = list(channels)
        self.context = context or f"run {run_id}"
        self.cycle = CycleNotices(store, run_id, cfg, self.channels, self.context)

    def alert(
        self,
        kind: str,
        message: str,
        severity: str = "warning",
        *,
        ts: datetime | None = None,
        data: dict[str, Any] | None = None,
        dedupe_key: str | None = None,
    ) -> None:
        """Log, record and queue ``message`` (for the channels that want it)."""
        try:
            e = self.prepare(kind, message, severity, ts=ts, data=data, dedupe_key=dedupe_key)
            self.store.record_event(
                e.run_id, e.kind, e.message, e.severity, ts=e.ts, data=e.data, notify=e.notify
            )
        except Exception:  # an alert must never stop trading
            log.exception("could not record the alert %s", kind)

    def prepare(
        self,
        kind: str,
        message: str,
        severity: str = "warning",
        *,
        ts: datetime | None = None,
        data: dict[str, Any] | None = None,
        dedupe_key: str | None = None,
    ) -> NewEvent:
        """``message`` as :meth:`alert` would record and queue it, for the caller to write in
        the transaction of the state change it reports (``Store.save_state(..., events=)``);
        logged now."""
        log.log(LEVELS.get(severity, logging.INFO), "%s: %s", kind, message)
        when = ts if ts is not None else datetime.now(UTC)
        notice = event_notice(kind, message, severity, when, self.context)
        notify = self.cycle.notice_messages(notice, dedupe_key)
        return NewEvent(self.run_id, kind, message, severity, ts, data, notify)

    def report_events(self, events: Sequence[EngineEvent], cycle_key: str) -> None:
        """Log the engine's events of one cycle (already stored with it, their notifications
        queued in the same transaction by :meth:`cycle_messages`) at their severity.
        ``cycle_key`` is kept for callers; nothing is queued here any more."""
        del cycle_key
        for e in events:
            log_event(e)

    # --- issue 22: notifications queued with what they report ------------------------------
    def cycle_messages(self, facts: CycleFacts) -> Sequence[OutboxMessage]:
        """The outbox messages of one cycle (for ``StoreRecorder.record``); never raises."""
        try:
            return self.cycle.messages(facts)
        except Exception:  # a notification never stops a cycle
            log.exception("could not build the notifications of the cycle at %s", facts.ts)
            return []

    def halt_messages(self, state: HaltState) -> Sequence[OutboxMessage]:
        """The alert queued with a halt's latch (its key matches the engine's ``halt`` event
        of the same cycle, so one alert goes out)."""
        try:
            notice = event_notice(
                "halt",
                f"trading HALTED: {state.message}",
                "critical",
                state.latched_at,
                self.context,
            )
            return self.cycle.notice_messages(notice, halt_key(self.run_id, state.latched_at))
        except Exception:
            log.exception("could not build the halt alert")
            return []

    def event_messages(
        self, kind: str, message: str, severity: str, ts: datetime | None, key: str
    ) -> Sequence[OutboxMessage]:
        """The messages of an event written by another transaction (a latch): pass them to it,
        then :meth:`alert` with the same ``dedupe_key`` records the event without a repeat."""
        notice = event_notice(kind, message, severity, ts, self.context)
        return self.cycle.notice_messages(notice, key)

    def notice_messages(self, notice: Notice, key: str | None) -> Sequence[OutboxMessage]:
        """``notice`` for every channel that wants it."""
        return self.cycle.notice_messages(notice, key)

    def daily(self, summary: DailySummary) -> None:
        """Record and queue the summary of a session (once per session and run)."""
        notice = daily_notice(summary, self.context)
        key = f"daily-run{self.run_id}-{summary.session.isoformat()}"
        log.info("%s", notice.one_line)
        self._record("daily_summary", notice.one_line, "info", summary.as_of, None, notice, key)

    def _record(
        self,
        kind: str,
        message: str,
        severity: str,
        ts: datetime | None,
        data: dict[str, Any] | None,
        notice: Notice,
        dedupe_key: str | None,
    ) -> None:
        try:
            notify = self.cycle.notice_messages(notice, dedupe_key)
            self.store.record_event(
                self.run_id, kind, message, severity, ts=ts, data=data, notify=notify
            )
        except Exception:  # an alert must never stop trading
            log.exception("could not record the alert %s", kind)

    # --- end issue 22 ----------------------------------------------------------------------


def log_event(event: EngineEvent) -> None:
    """One log line for an engine event, at its severity, stamped with its bar time."""
    log.log(
        LEVELS.get(event.severity, logging.INFO),
        "%s at %s: %s",
        event.kind,
        event.ts.isoformat(),
        event.message,
    )
