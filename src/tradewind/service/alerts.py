"""Alerts: an event in the store, a line in the log and, for enabled channels, an outbox message.

Everything the service or the engine reports goes through :class:`Alerter`, the one place that
logs it, at its severity, through the project's logging (``logs/trading.log`` and the console,
secrets masked by the formatter): the service's own alerts (:meth:`Alerter.alert`) and the
engine's events of each recorded cycle (:meth:`Alerter.report_events`: halts, stop exits, the
daily-loss and drawdown warnings, resumes, order problems, regime changes).

The notifier that sends the outbox (Discord, Telegram) is a later piece; the messages are queued
in the same transaction as the event they report, so none is lost in between. A failing write
of an alert never stops the service: it is logged and trading carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tradewind.config import TradewindConfig
from tradewind.domain.records import EngineEvent
from tradewind.store import OutboxMessage, Store

log = logging.getLogger("tradewind.service")

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
NOTIFY_FROM = ("warning", "error", "critical")


class Alerter:
    """Records and queues alerts for one run."""

    def __init__(self, store: Store, run_id: int, cfg: TradewindConfig) -> None:
        self.store = store
        self.run_id = run_id
        n = cfg.notifications
        self.channels = [
            name for name, ch in (("discord", n.discord), ("telegram", n.telegram)) if ch.enabled
        ]

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
        """Log, record and (warning or worse) queue ``message``."""
        log.log(LEVELS.get(severity, logging.INFO), "%s: %s", kind, message)
        notify = self._messages(kind, message, severity, dedupe_key)
        try:
            self.store.record_event(
                self.run_id, kind, message, severity, ts=ts, data=data, notify=notify
            )
        except Exception:  # an alert must never stop trading
            log.exception("could not record the alert %s", kind)

    def report_events(self, events: Sequence[EngineEvent], cycle_key: str) -> None:
        """Log the engine's events of one cycle (already stored with it) at their severity and
        queue the warning-or-worse ones (``cycle_key`` keeps a repeat from queueing twice)."""
        for i, e in enumerate(events):
            log_event(e)
            if e.severity not in NOTIFY_FROM:
                continue
            for m in self._messages(e.kind, e.message, e.severity, f"{cycle_key}-{i}"):
                try:
                    self.store.enqueue_notification(m.channel, m.payload, dedupe_key=m.dedupe_key)
                except Exception:
                    log.exception("could not queue the notification for %s", e.kind)

    def _messages(
        self, kind: str, message: str, severity: str, dedupe_key: str | None
    ) -> list[OutboxMessage]:
        if severity not in NOTIFY_FROM:
            return []
        payload: dict[str, Any] = {
            "kind": kind,
            "severity": severity,
            "message": message,
            "run_id": self.run_id,
        }
        return [
            OutboxMessage(ch, payload, f"{ch}:{dedupe_key}" if dedupe_key else None)
            for ch in self.channels
        ]


def log_event(event: EngineEvent) -> None:
    """One log line for an engine event, at its severity, stamped with its bar time."""
    log.log(
        LEVELS.get(event.severity, logging.INFO),
        "%s at %s: %s",
        event.kind,
        event.ts.isoformat(),
        event.message,
    )
