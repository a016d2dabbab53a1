"""Notifications in the trading service: which channels a run uses, the notifier threads, the
start, stop and daily-summary messages.

A replay (``--replay``, ``tradewind demo``) notifies nobody unless
``notifications.include_replays`` is true: replaying two years of history must not send two
years of fills to a real chat. A wall-clock run notifies every enabled channel that has its
credentials. An enabled channel with a malformed credential stops the service before it starts
(:func:`tradewind.notify.runtime.active_channels`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from tradewind.config import Secrets, TradewindConfig
from tradewind.notify.runtime import Notifier, active_channels
from tradewind.service.alerts import Alerter
from tradewind.service.daily_summary import daily_summary, session_of
from tradewind.service.notify_backend import StoreCommands
from tradewind.service.recovery import RunContext
from tradewind.store import Store

log = logging.getLogger("tradewind.service")

STOP_GRACE_SECONDS = 3.0
"""How long a stopping service waits for its last messages (a hanging webhook: no longer)."""


def service_channels(cfg: TradewindConfig, secrets: Secrets, *, replayed: bool) -> list[str]:
    """The channels a run notifies (module docstring): ``replayed`` runs only with
    ``include_replays``; raises ``ConfigError`` on a malformed credential of an enabled
    channel, replay or not."""
    channels = active_channels(cfg.notifications, secrets)
    if replayed and not cfg.notifications.include_replays:
        return []
    return channels


def run_context(kind: str, run_id: int) -> str:
    """``paper, run 3`` (``simulated replay, run 2``): shown small with every message."""
    return f"{kind}, run {run_id}"


def start_notifier(
    store: Store,
    cfg: TradewindConfig,
    secrets: Secrets,
    channels: Sequence[str],
    ctx: RunContext,
    benchmark: pd.Series | None,
    context: str,
) -> Notifier | None:
    """Start delivering the outbox (and Telegram commands) beside the run; None without
    channels. Never raises: notifications never stop trading."""
    if not channels:
        return None
    try:
        backend = StoreCommands(
            store,
            cfg,
            scope=ctx.scope,
            run_id=ctx.run_id,
            benchmark=lambda: benchmark,
            channels=channels,
            context=context,
        )
        notifier = Notifier(store, cfg.notifications, secrets, state=store, backend=backend)
        notifier.start()
        return notifier
    except Exception:
        log.exception("notifications could not start; alerts stay queued in the outbox")
        return None


def stop_notifier(notifier: Notifier | None) -> None:
    """Send what is due (bounded wait), then stop; the rest stays queued."""
    if notifier is None:
        return
    try:
        notifier.stop(STOP_GRACE_SECONDS)
    except Exception:
        log.exception("notifications did not stop cleanly")


def queue_daily(
    ctx: RunContext, alerter: Alerter, when: datetime | pd.Timestamp, benchmark: pd.Series | None
) -> None:
    """Queue the summary of the session ``when`` falls in (once per run and session)."""
    if not alerter.channels:
        return
    try:
        summary = daily_summary(
            ctx.store,
            ctx.run_id,
            session_of(when),
            benchmark,
            halted=bool(ctx.scope.active()),
        )
        if summary is not None:
            alerter.daily(summary)
    except Exception:  # a summary never stops trading
        log.exception("could not build the daily summary")
