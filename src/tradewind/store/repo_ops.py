"""Engine events and latched halts.

A halt stays active across restarts until :meth:`OpsRepo.clear_halt` records who cleared it,
when and why; latching, clearing and their notifications are each one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.store.coltypes import JSONValue, utc
from tradewind.store.core import StoreCore
from tradewind.store.records import SEVERITIES, EventView, HaltView, NewEvent, OutboxMessage
from tradewind.store.schema import EventRow, HaltRow, NotificationRow, StateRow
from tradewind.store.views import event_view, halt_view


def now_utc() -> datetime:
    """The wall clock, for operational records the caller did not time-stamp."""
    return datetime.now(UTC)


class OpsRepo(StoreCore):
    """Events and halts."""

    # --- events ------------------------------------------------------------------------
    def record_event(
        self,
        run_id: int | None,
        kind: str,
        message: str,
        severity: str = "info",
        *,
        ts: datetime | None = None,
        data: dict[str, JSONValue] | None = None,
        notify: Sequence[OutboxMessage] = (),
    ) -> int:
        """Record an event (and enqueue its ``notify`` messages in the same transaction)."""
        event = NewEvent(run_id, kind, message, severity, ts, data, notify)
        _check_severity(severity)
        when = utc(ts) if ts is not None else now_utc()
        with self._write() as s:
            row = add_event(s, event, when)
            s.flush()
            return row.id

    def events(
        self,
        run_id: int | None = None,
        *,
        since: datetime | None = None,
        kinds: Sequence[str] | None = None,
        min_severity: str | None = None,
        limit: int | None = None,
    ) -> list[EventView]:
        """Events in time order; with ``limit``, the most recent ``limit`` of them."""
        with self._read() as s:
            q = select(EventRow)
            if run_id is not None:
                q = q.where(EventRow.run_id == run_id)
            if since is not None:
                q = q.where(EventRow.ts >= utc(since))
            if kinds is not None:
                q = q.where(EventRow.kind.in_(list(kinds)))
            if min_severity is not None:
                _check_severity(min_severity)
                allowed = SEVERITIES[SEVERITIES.index(min_severity) :]
                q = q.where(EventRow.severity.in_(allowed))
            q = q.order_by(EventRow.ts.desc(), EventRow.id.desc())
            if limit is not None:
                q = q.limit(limit)
            rows = list(s.scalars(q))
            return [event_view(r) for r in reversed(rows)]

    # --- halts -------------------------------------------------------------------------
    def latch_halt(
        self,
        kind: str,
        reason: str,
        *,
        ts: datetime | None = None,
        run_id: int | None = None,
        details: str = "",
        data: dict[str, JSONValue] | None = None,
        exclusive: bool = False,
        among: Callable[[HaltView], bool] | None = None,
        notify: Sequence[OutboxMessage] = (),
    ) -> HaltView:
        """Latch a trading halt; it blocks new risk until :meth:`clear_halt`.

        If a halt of the same ``kind`` (of any kind with ``exclusive``) is already active it is
        returned unchanged: a breaker firing on every cycle latches once, and the first cause
        stays on record. ``among`` narrows the active halts that count to those it accepts
        (a run's own scope, see :mod:`tradewind.service.halts`); it must not use the store.
        Otherwise the halt, a ``halt_latched`` event and the ``notify`` messages are written in
        one transaction.
        """
        when = utc(ts) if ts is not None else now_utc()
        with self._write() as s:
            q = select(HaltRow).where(HaltRow.cleared_at.is_(None))
            if not exclusive:
                q = q.where(HaltRow.kind == kind)
            for active in s.scalars(q.order_by(HaltRow.id)):
                view = halt_view(active)
                if among is None or among(view):
                    return view
            row = HaltRow(
                kind=kind,
                reason=reason,
                details=details,
                latched_at=when,
                run_id=run_id,
                cleared_at=None,
                cleared_by=None,
                clear_reason=None,
                data=data,
            )
            s.add(row)
            s.flush()
            s.add(
                EventRow(
                    run_id=run_id,
                    ts=when,
                    kind="halt_latched",
                    severity="critical",
                    message=f"trading halted ({kind}): {reason}",
                    data={"halt_id": row.id, "kind": kind},
                )
            )
            enqueue(s, notify, when)
            s.flush()
            return halt_view(row)

    def active_halt(self) -> HaltView | None:
        """The oldest active halt, or None when trading may proceed."""
        halts = self.active_halts()
        return halts[0] if halts else None

    def active_halts(self) -> list[HaltView]:
        """Every active halt, oldest first."""
        with self._read() as s:
            rows = s.scalars(
                select(HaltRow).where(HaltRow.cleared_at.is_(None)).order_by(HaltRow.id)
            )
            return [halt_view(r) for r in rows]

    def halts(self, *, since: datetime | None = None) -> list[HaltView]:
        """Every halt, active or cleared, oldest first."""
        with self._read() as s:
            q = select(HaltRow)
            if since is not None:
                q = q.where(HaltRow.latched_at >= utc(since))
            return [halt_view(r) for r in s.scalars(q.order_by(HaltRow.id))]

    def clear_halt(
        self,
        who: str,
        reason: str,
        *,
        ts: datetime | None = None,
        halt_id: int | None = None,
        run_id: int | None = None,
        notify: Sequence[OutboxMessage] = (),
    ) -> list[HaltView]:
        """Clear the active halt ``halt_id`` (every active halt if None), recording who and why.

        Returns the halts cleared (empty if none was active). A ``halt_cleared`` event per halt
        and the ``notify`` messages are written in the same transaction.
        """
        if not who.strip() or not reason.strip():
            raise ValueError("clearing a halt needs who is clearing it and why")
        when = utc(ts) if ts is not None else now_utc()
        with self._write() as s:
            q = select(HaltRow).where(HaltRow.cleared_at.is_(None))
            if halt_id is not None:
                q = q.where(HaltRow.id == halt_id)
            rows = list(s.scalars(q.order_by(HaltRow.id)))
            for row in rows:
                row.cleared_at = when
                row.cleared_by = who.strip()
                row.clear_reason = reason.strip()
                s.add(
                    EventRow(
                        run_id=run_id,
                        ts=when,
                        kind="halt_cleared",
                        severity="warning",
                        message=f"halt {row.id} ({row.kind}) cleared by {who.strip()}: {reason}",
                        data={"halt_id": row.id, "kind": row.kind, "cleared_by": who.strip()},
                    )
                )
            if rows:
                enqueue(s, notify, when)
            s.flush()
            return [halt_view(r) for r in rows]

    # --- component state ---------------------------------------------------------------
    def save_state(
        self,
        key: str,
        value: dict[str, JSONValue],
        *,
        ts: datetime | None = None,
        events: Sequence[NewEvent] = (),
    ) -> None:
        """Replace the JSON state kept under ``key``, and record ``events`` with their
        notifications, in one transaction: a crash keeps the state and what reports it, or
        neither."""
        when = utc(ts) if ts is not None else now_utc()
        for e in events:
            _check_severity(e.severity)
        with self._write() as s:
            for e in events:
                add_event(s, e, when)
            row = s.get(StateRow, key)
            if row is None:
                s.add(StateRow(key=key, value=dict(value), updated_at=when))
            else:
                row.value = dict(value)
                row.updated_at = when

    def load_state(self, key: str) -> dict[str, JSONValue] | None:
        """The JSON state kept under ``key``, or None."""
        with self._read() as s:
            row = s.get(StateRow, key)
            return dict(row.value) if row is not None else None


# --- helpers -----------------------------------------------------------------------------
def add_event(s: Session, event: NewEvent, when: datetime) -> EventRow:
    """Add ``event`` (stamped ``when`` unless it has its own time) and its notifications to the
    session's transaction."""
    at = utc(event.ts) if event.ts is not None else when
    row = EventRow(
        run_id=event.run_id,
        ts=at,
        kind=event.kind,
        severity=event.severity,
        message=event.message,
        data=event.data,
    )
    s.add(row)
    enqueue(s, event.notify, at)
    return row


def enqueue(s: Session, messages: Sequence[OutboxMessage], when: datetime) -> None:
    """Add outbox rows for ``messages`` to the session's transaction (dedupe keys honoured)."""
    for m in messages:
        if m.dedupe_key is not None and s.scalar(
            select(NotificationRow.id).where(NotificationRow.dedupe_key == m.dedupe_key)
        ):
            continue
        s.add(new_notification(m.channel, m.payload, when, m.dedupe_key))


def new_notification(
    channel: str, payload: dict[str, Any], when: datetime, dedupe_key: str | None
) -> NotificationRow:
    """A pending outbox row."""
    if not channel or "/" in channel or ":" in channel:
        raise ValueError(f"notification channel must be a channel name, was {channel!r}")
    return NotificationRow(
        channel=channel,
        payload=dict(payload),
        created_at=when,
        status="pending",
        attempts=0,
        next_attempt_at=when,
        last_error=None,
        sent_at=None,
        dedupe_key=dedupe_key,
    )


def _check_severity(severity: str) -> None:
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, was {severity!r}")
