"""Liveness: heartbeats for uptime accounting, and the lock that allows one service per database.

Heartbeats are wall-clock rows in the store, written at most once per ``period`` (every cycle and
while sleeping across nights and weekends), so ``Store.uptime`` counts exactly the time the
process was away. The instance lock is an ``flock`` on ``<database>.lock``: the kernel releases
it when the process dies, even by SIGKILL, so a crash never leaves a stale lock behind, and a
second ``tradewind trade`` on the same database is refused instead of trading twice.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tradewind.domain.errors import TradewindError

if TYPE_CHECKING:
    from tradewind.store import Store


def wall_now() -> datetime:
    """The real time (heartbeats measure the process, not the replayed market)."""
    return datetime.now(UTC)


class Heartbeat:
    """Writes a heartbeat for ``run_id`` when ``period`` has passed since the last one."""

    def __init__(
        self,
        store: Store,
        run_id: int,
        period: timedelta,
        *,
        now: Callable[[], datetime] = wall_now,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.period = period
        self._now = now
        self._last: datetime | None = None

    def now(self) -> datetime:
        """The wall clock heartbeats are written on."""
        return self._now()

    def beat(self, *, force: bool = False) -> bool:
        """Record a heartbeat if one is due (or ``force``); True if written."""
        now = self._now()
        if not force and self._last is not None and now - self._last < self.period:
            return False
        self.store.heartbeat(self.run_id, now)
        self._last = now
        return True


class AlreadyRunning(TradewindError):
    """Another tradewind process holds the database's instance lock."""


@dataclass
class InstanceLock:
    """An exclusive ``flock`` on ``path`` held for the life of the process."""

    path: Path
    _fh: IO[str] | None = None

    def acquire(self, info: dict[str, Any]) -> None:
        """Take the lock or raise :class:`AlreadyRunning` naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown process"
            fh.close()
            raise AlreadyRunning(
                f"another tradewind service is running on this database ({holder}); stop it "
                f"first (lock file {self.path})"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), **info}))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        """Release the lock (also released by the kernel when the process dies)."""
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def lock_holder(path: Path) -> dict[str, Any] | None:
    """Who holds the lock at ``path`` (its recorded pid, mode...), or None when nobody does."""
    if not path.exists():
        return None
    with path.open("r", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = fh.read().strip()
            try:
                data = json.loads(text) if text else {}
            except json.JSONDecodeError:
                data = {"raw": text}
            return data if isinstance(data, dict) else {"raw": text}
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return None
