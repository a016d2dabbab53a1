"""Whether a run the database says is ``running`` still has a process: what ``tradewind
status`` shows for it.

A run's row says ``running`` from its start until the service ends it (finished, stopped,
failed). A process killed by SIGKILL, the OOM killer or a power cut never ends it, so the row
keeps saying ``running`` after the process is gone. Two signals tell a live run from such a
leftover:

- the instance lock (:mod:`tradewind.service.heartbeat`): the service holds an ``flock`` on
  ``<database>.lock`` for its whole life, taken before the run is opened and released after it
  is ended; the kernel releases it when the process dies. Beside a SQLite file it is the proof:
  nobody holds it, so no process runs this database. For another backend (PostgreSQL) the lock
  file is local to the machine that runs the service, so not holding it here proves nothing;
- the heartbeats, written at least once per heartbeat period while the process lives: none for
  :data:`STALE_AFTER_PERIODS` periods means nobody is writing them, wherever the process was.

A run whose process is gone is **interrupted** (never finished): starting the same command
again continues it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STALE_AFTER_PERIODS = 3
"""Heartbeat periods without a heartbeat after which the heartbeats count as stale (a cycle
that takes longer than a period writes none while it runs)."""
MIN_STALE_AFTER = timedelta(seconds=60)
"""The shortest silence counted as stale (a replay beats every 5 seconds)."""
INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class RunLiveness:
    """What ``status`` shows for a run: ``status`` (the recorded status, or ``interrupted``
    when the row says running but its process is gone), with the evidence (the heartbeats'
    age and staleness only for a run whose row says running)."""

    status: str
    recorded_status: str
    last_heartbeat: datetime | None
    heartbeat_age: timedelta | None
    stale_after: timedelta
    heartbeat_stale: bool

    @property
    def interrupted(self) -> bool:
        """The row says running but no process runs it."""
        return self.status == INTERRUPTED


def stale_after(period: timedelta) -> timedelta:
    """The silence after which heartbeats written every ``period`` count as stale."""
    return max(period * STALE_AFTER_PERIODS, MIN_STALE_AFTER)


def run_liveness(
    recorded_status: str,
    *,
    lock_held: bool,
    lock_is_proof: bool,
    started_at: datetime,
    last_heartbeat: datetime | None,
    heartbeat_period: timedelta,
    now: datetime,
) -> RunLiveness:
    """Classify a run from its recorded status and the liveness signals.

    Parameters
    ----------
    recorded_status
        The run row's status (running, finished, stopped, failed).
    lock_held
        Whether a process holds the database's instance lock (checked after the run was read).
    lock_is_proof
        Whether a free lock proves the process is gone (the lock sits beside a SQLite file).
    started_at, last_heartbeat, heartbeat_period, now
        When the run (re)started, its latest heartbeat (None: none yet), the period the service
        writes them at, and the current time; all tz-aware.
    """
    limit = stale_after(heartbeat_period)
    if recorded_status != "running":  # ended: its heartbeats' age says nothing
        return RunLiveness(recorded_status, recorded_status, last_heartbeat, None, limit, False)
    since = max(t for t in (started_at, last_heartbeat) if t is not None)
    age = now - last_heartbeat if last_heartbeat is not None else None
    stale = now - since > limit
    status = INTERRUPTED if not lock_held and (lock_is_proof or stale) else recorded_status
    return RunLiveness(status, recorded_status, last_heartbeat, age, limit, stale)
