"""Delivery from the persisted outbox: batched, rate-limited, retried, halts first.

The outbox (``notifications`` table) holds one row per message and channel, written in the
transaction of what it reports; the dispatcher only reads due rows and marks them. Rules, per
channel, on every :meth:`Dispatcher.pump`:

1. **Halts first, alone.** An urgent (critical) notice is sent before anything else, in a
   message of its own; it never waits for a batch and is never given up on.
2. **Bursts share a message.** Routine notices wait up to ``batch_seconds`` after the dispatcher
   first saw the oldest of them, so that a burst (the fills of a rebalance) goes out as one
   digest; as many as fit in one message are sent together (:meth:`Channel.fit`). An error,
   or more pending notices than one message holds, sends at once.
3. **Spacing.** Two messages of a channel are at least ``min_interval_seconds`` apart.
4. **Marked sent only once accepted.** A row is marked sent after the channel accepted the
   message; a crash in between resends it on restart (at least once, never lost).
5. **Retries.** A 429 pauses the channel for the ``retry_after`` it asked and retries then; a
   timeout, network failure or 5xx retries after ``base x 2^attempts`` seconds (capped); a
   refusal (4xx: bad webhook or token) is not retried for routine notices. A routine notice is
   given up (status ``failed``, kept in the outbox with its last error) after ``max_attempts``;
   an urgent one keeps retrying at the capped interval until delivered.

Nothing here blocks trading: the dispatcher runs in its own thread
(:mod:`tradewind.notify.runtime`) and every request has a hard timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tradewind.config.notifications import ChannelSection
from tradewind.notify.channel import Channel, DeliveryError, clean
from tradewind.notify.notice import Notice, severity_rank

log = logging.getLogger("tradewind.notify")

IDLE_SECONDS = 1.0
"""How often an idle dispatcher looks for new rows (other transactions write them)."""
FETCH_LIMIT = 2000
"""Due rows read per channel and pass: far more than a burst, so a halt is always among them."""


class OutboxRow(Protocol):
    """A pending outbox row as the store returns it."""

    @property
    def id(self) -> int: ...  # noqa: D102
    @property
    def payload(self) -> Mapping[str, Any]: ...  # noqa: D102
    @property
    def attempts(self) -> int: ...  # noqa: D102


class Outbox(Protocol):
    """The store's outbox operations the dispatcher uses."""

    def pending_notifications(
        self, channel: str | None = None, *, now: datetime | None = None, limit: int = 100
    ) -> Sequence[OutboxRow]:
        """Due rows of ``channel``, oldest first."""
        ...

    def mark_sent_many(self, ids: Sequence[int], *, ts: datetime | None = None) -> None:
        """Mark rows delivered (one transaction)."""
        ...

    def mark_failed(
        self, notification_id: int, error: str, *, retry_at: datetime | None = None
    ) -> None:
        """Record a failed attempt: retry at ``retry_at``, or give up."""
        ...


@dataclass(frozen=True)
class DeliveryPolicy:
    """How one channel paces and retries (see the module docstring)."""

    min_interval: float = 1.0
    batch_seconds: float = 5.0
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    max_attempts: int = 10

    @classmethod
    def from_section(cls, section: ChannelSection) -> DeliveryPolicy:
        """The policy a channel's configuration asks for."""
        return cls(min_interval=section.min_interval_seconds, batch_seconds=section.batch_seconds)

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1`` after a transient failure."""
        return float(min(self.backoff_base * 2 ** min(attempts, 30), self.backoff_cap))


@dataclass
class _Lane:
    channel: Channel
    policy: DeliveryPolicy
    paused_until: float = 0.0
    last_sent: float = float("-inf")
    first_seen: dict[int, float] = field(default_factory=dict)


@dataclass
class DeliveryStats:
    """What the dispatcher did so far (messages, not rows)."""

    messages: int = 0
    rows_sent: int = 0
    failures: int = 0
    given_up: int = 0
    last_error: dict[str, str] = field(default_factory=dict)


class Dispatcher:
    """Sends due outbox rows through their channels (module docstring).

    Parameters
    ----------
    outbox
        The store (or anything with its outbox methods).
    channels
        Each channel by its outbox name, with its policy.
    secrets
        Values masked in error messages written back to the outbox.
    clock
        Monotonic seconds (tests inject a fake one).
    wall
        Current UTC time for the outbox's due times.
    """

    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, tuple[Channel, DeliveryPolicy]],
        *,
        secrets: Sequence[str] = (),
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.outbox = outbox
        self._lanes = {name: _Lane(ch, pol) for name, (ch, pol) in channels.items()}
        self._secrets = tuple(secrets)
        self._clock = clock
        self._wall = wall
        self.stats = DeliveryStats()
        self.flushing = False
        """Set when the process stops: routine notices no longer wait for a batch."""

    @property
    def channels(self) -> list[str]:
        """The channel names this dispatcher serves."""
        return list(self._lanes)

    def pump(self) -> float:
        """Send what is due on every channel; seconds until another pass may find work."""
        waits = [self._pump_lane(name, lane) for name, lane in self._lanes.items()]
        return min(waits, default=IDLE_SECONDS)

    def has_due(self) -> bool:
        """Whether a channel that is not paused has rows due now."""
        now = self._clock()
        return any(
            now >= lane.paused_until
            and bool(self.outbox.pending_notifications(name, now=self._wall(), limit=1))
            for name, lane in self._lanes.items()
        )

    def drain(self, timeout: float, sleep: Callable[[float], None] = time.sleep) -> int:
        """Pump until nothing is pending (or ``timeout`` seconds passed); rows still pending."""
        deadline = self._clock() + timeout
        while True:
            wait = self.pump()
            left = sum(
                len(self.outbox.pending_notifications(n, now=self._far_future(), limit=FETCH_LIMIT))
                for n in self._lanes
            )
            if left == 0 or self._clock() >= deadline:
                return left
            sleep(max(0.01, min(wait, deadline - self._clock())))

    def close(self) -> None:
        """Close every channel."""
        for lane in self._lanes.values():
            lane.channel.close()

    # --- one channel ------------------------------------------------------------------------
    def _pump_lane(self, name: str, lane: _Lane) -> float:
        now = self._clock()
        if now < lane.paused_until:
            return lane.paused_until - now
        rows = list(self.outbox.pending_notifications(name, now=self._wall(), limit=FETCH_LIMIT))
        if not rows:
            lane.first_seen.clear()
            return IDLE_SECONDS
        for stale in set(lane.first_seen) - {r.id for r in rows}:
            del lane.first_seen[stale]
        for r in rows:
            lane.first_seen.setdefault(r.id, now)
        notices = [Notice.from_payload(r.payload) for r in rows]
        chosen, wait = self._choose(lane, rows, notices, now)
        if not chosen:
            return wait
        gap = now - lane.last_sent
        if gap < lane.policy.min_interval:
            return lane.policy.min_interval - gap
        self._deliver(name, lane, [rows[i] for i in chosen], [notices[i] for i in chosen])
        return 0.0

    def _choose(
        self, lane: _Lane, rows: list[OutboxRow], notices: list[Notice], now: float
    ) -> tuple[list[int], float]:
        """Indices of the next message's rows (rules 1 and 2), or ``([], wait)``."""
        urgent = [i for i, n in enumerate(notices) if n.urgent]
        if urgent:
            return [urgent[0]], 0.0
        fit = lane.channel.fit(notices)
        waited = now - min(lane.first_seen[r.id] for r in rows)
        hurry = any(severity_rank(n.severity) >= severity_rank("error") for n in notices)
        if (
            not (hurry or self.flushing)
            and fit >= len(notices)
            and waited < lane.policy.batch_seconds
        ):
            return [], lane.policy.batch_seconds - waited
        return list(range(fit)), 0.0

    def _deliver(
        self, name: str, lane: _Lane, rows: list[OutboxRow], notices: list[Notice]
    ) -> None:
        now = self._clock()
        lane.last_sent = now
        try:
            lane.channel.send(notices)
        except DeliveryError as exc:
            self._failed(name, lane, rows, notices, exc, now)
            return
        except Exception as exc:  # a bug rendering or sending: keep the rows, retry later
            log.exception("notification channel %s failed unexpectedly", name)
            self._failed(
                name, lane, rows, notices, DeliveryError(f"{type(exc).__name__}: {exc}"), now
            )
            return
        self.outbox.mark_sent_many([r.id for r in rows], ts=self._wall())
        for r in rows:
            lane.first_seen.pop(r.id, None)
        self.stats.messages += 1
        self.stats.rows_sent += len(rows)
        self.stats.last_error.pop(name, None)

    def _failed(
        self,
        name: str,
        lane: _Lane,
        rows: list[OutboxRow],
        notices: list[Notice],
        exc: DeliveryError,
        now: float,
    ) -> None:
        error = clean(str(exc), self._secrets)
        self.stats.failures += 1
        self.stats.last_error[name] = error
        if exc.retry_after is not None:
            lane.paused_until = now + exc.retry_after
        wall = self._wall()
        gave_up = 0
        for row, notice in zip(rows, notices, strict=True):
            retry = self._retry_in(lane.policy, row.attempts, notice.urgent, exc)
            at = wall + timedelta(seconds=retry) if retry is not None else None
            gave_up += at is None
            self.outbox.mark_failed(row.id, error, retry_at=at)
        self.stats.given_up += gave_up
        urgent = any(n.urgent for n in notices)
        log.log(
            logging.ERROR if urgent or gave_up else logging.WARNING,
            "%s: %d notification(s) not delivered: %s%s",
            name,
            len(rows),
            error,
            f" ({gave_up} given up; they stay in the outbox as failed)" if gave_up else "",
        )

    @staticmethod
    def _retry_in(
        policy: DeliveryPolicy, attempts: int, urgent: bool, exc: DeliveryError
    ) -> float | None:
        """Seconds until the next attempt, or None to give up (rule 5)."""
        if exc.retry_after is not None:
            return exc.retry_after
        if urgent:
            return policy.backoff(attempts)
        if exc.permanent or attempts + 1 >= policy.max_attempts:
            return None
        return policy.backoff(attempts)

    def _far_future(self) -> datetime:
        return self._wall() + timedelta(days=3650)
