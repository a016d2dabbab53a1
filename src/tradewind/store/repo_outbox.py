"""The notification outbox and heartbeats.

Notifications are written in the transaction of what they report and sent later by the notifier,
which marks each one sent or failed; a failing channel never blocks the others (one row per
channel). Heartbeats prove the service was alive; :meth:`OutboxRepo.uptime` turns them into the
share of expected intervals that had one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from tradewind.store.coltypes import utc
from tradewind.store.core import StoreCore
from tradewind.store.errors import StoreError
from tradewind.store.records import NotificationView, Uptime
from tradewind.store.repo_ops import new_notification, now_utc
from tradewind.store.schema import HeartbeatRow, NotificationRow
from tradewind.store.views import uptime, uptime_allowance


class OutboxRepo(StoreCore):
    """Notification outbox and heartbeats."""

    # --- outbox ------------------------------------------------------------------------
    def enqueue_notification(
        self,
        channel: str,
        payload: dict[str, Any],
        *,
        ts: datetime | None = None,
        dedupe_key: str | None = None,
    ) -> int:
        """Queue ``payload`` for ``channel`` (a name such as ``discord``, never a URL).

        With a ``dedupe_key`` already queued, nothing is added and the existing id is returned.
        """
        when = utc(ts) if ts is not None else now_utc()
        with self._write() as s:
            if dedupe_key is not None:
                existing = s.scalar(
                    select(NotificationRow.id).where(NotificationRow.dedupe_key == dedupe_key)
                )
                if existing is not None:
                    return existing
            row = new_notification(channel, payload, when, dedupe_key)
            s.add(row)
            s.flush()
            return row.id

    def pending_notifications(
        self, channel: str | None = None, *, now: datetime | None = None, limit: int = 100
    ) -> list[NotificationView]:
        """Notifications due for sending (pending, retry time reached), oldest first."""
        when = utc(now) if now is not None else now_utc()
        with self._read() as s:
            q = select(NotificationRow).where(
                NotificationRow.status == "pending", NotificationRow.next_attempt_at <= when
            )
            if channel is not None:
                q = q.where(NotificationRow.channel == channel)
            rows = s.scalars(q.order_by(NotificationRow.id).limit(limit))
            return [_notification_view(r) for r in rows]

    def notifications(self, *, status: str | None = None) -> list[NotificationView]:
        """Every notification (optionally of one status), oldest first."""
        with self._read() as s:
            q = select(NotificationRow)
            if status is not None:
                q = q.where(NotificationRow.status == status)
            return [_notification_view(r) for r in s.scalars(q.order_by(NotificationRow.id))]

    def mark_sent(self, notification_id: int, *, ts: datetime | None = None) -> None:
        """Record that the notification was delivered."""
        with self._write() as s:
            row = _notification(s.get(NotificationRow, notification_id), notification_id)
            row.status = "sent"
            row.sent_at = utc(ts) if ts is not None else now_utc()
            row.attempts += 1

    # --- issue 22 (notifications): a digest message marks all its rows in one transaction ---
    def mark_sent_many(self, ids: Sequence[int], *, ts: datetime | None = None) -> None:
        """Record that one message delivered all of ``ids`` (one transaction)."""
        when = utc(ts) if ts is not None else now_utc()
        with self._write() as s:
            for notification_id in ids:
                row = _notification(s.get(NotificationRow, notification_id), notification_id)
                row.status = "sent"
                row.sent_at = when
                row.attempts += 1

    # --- end issue 22 --------------------------------------------------------------------

    def mark_failed(
        self,
        notification_id: int,
        error: str,
        *,
        retry_at: datetime | None = None,
    ) -> None:
        """Record a failed delivery: retry at ``retry_at``, or give up (status ``failed``)."""
        with self._write() as s:
            row = _notification(s.get(NotificationRow, notification_id), notification_id)
            row.attempts += 1
            row.last_error = error
            if retry_at is None:
                row.status = "failed"
            else:
                row.next_attempt_at = utc(retry_at)

    # --- heartbeats --------------------------------------------------------------------
    def heartbeat(
        self, run_id: int, ts: datetime | None = None, *, component: str = "engine"
    ) -> None:
        """Record that ``component`` of ``run_id`` is alive at ``ts``."""
        when = utc(ts) if ts is not None else now_utc()
        with self._write() as s:
            s.add(HeartbeatRow(run_id=run_id, ts=when, component=component))

    def last_heartbeat(
        self, run_id: int | None = None, *, component: str = "engine"
    ) -> datetime | None:
        """Time of the latest heartbeat (of any run if ``run_id`` is None)."""
        with self._read() as s:
            q = select(HeartbeatRow.ts).where(HeartbeatRow.component == component)
            if run_id is not None:
                q = q.where(HeartbeatRow.run_id == run_id)
            return s.scalar(q.order_by(HeartbeatRow.ts.desc()).limit(1))

    def uptime(
        self,
        run_id: int | None,
        start: datetime,
        end: datetime,
        expected_interval: timedelta,
        *,
        grace: timedelta | None = None,
        component: str = "engine",
    ) -> Uptime:
        """Share of ``[start, end]`` during which heartbeats came as often as expected.

        Time counts as down when no heartbeat arrived for longer than ``expected_interval +
        grace`` (``grace`` defaults to half the interval, absorbing scheduling jitter): each such
        silence, including before the first and after the last heartbeat of the window,
        contributes its excess over that allowance. ``run_id`` None counts heartbeats of every
        run, so a restart inside the window costs only the time the service was really away.
        """
        start, end = utc(start), utc(end)
        allowed = uptime_allowance(start, end, expected_interval, grace)
        with self._read() as s:
            q = select(HeartbeatRow.ts).where(
                HeartbeatRow.component == component,
                HeartbeatRow.ts >= start,
                HeartbeatRow.ts <= end,
            )
            if run_id is not None:
                q = q.where(HeartbeatRow.run_id == run_id)
            beats = sorted(s.scalars(q))
        return uptime(start, end, expected_interval, beats, allowed)


def _notification(row: NotificationRow | None, notification_id: int) -> NotificationRow:
    if row is None:
        raise StoreError(f"no notification with id {notification_id}")
    return row


def _notification_view(r: NotificationRow) -> NotificationView:
    return NotificationView(
        r.id,
        r.channel,
        r.payload,
        r.created_at,
        r.status,
        r.attempts,
        r.next_attempt_at,
        r.last_error,
        r.sent_at,
        r.dedupe_key,
    )
