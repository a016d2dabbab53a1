"""Latched halts: the state, the store protocol, and the in-memory and JSON-file stores.

A halt, once latched, stays until a human clears it (``tradewind resume --confirm --reason``).
Nothing clears it by itself: no timer, no new session, no restart. Clearing records who resumed,
when and why, next to the halt it cleared.

The JSON store keeps the halt and the resume history in one file (``risk_management.state_path``)
and the breakers' and stops' working state in a sibling ``*.tracker.json``, so a process that
writes the tracker every bar and the ``resume`` command (which clears the halt) never write the
same file. The trading service does not use it: it keeps halts in its database and the tracker
in its checkpoints (:mod:`tradewind.service.halts`). Every write is atomic (temporary file,
fsync, ``os.replace``) and done under a lock file. An unreadable state file is an error, never
"not halted".
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from tradewind.domain.errors import TradewindError

STATE_VERSION = 1
LOCK_TIMEOUT_S = 10.0


class RiskStateError(TradewindError):
    """The risk state cannot be read or changed (unreadable file, nothing to resume, ...)."""


@dataclass(frozen=True, slots=True)
class HaltState:
    """A latched halt: which breaker, why, when (bar time) and the numbers that tripped it."""

    breaker: str
    message: str
    latched_at: datetime
    mode: str = ""
    details: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "breaker": self.breaker,
            "message": self.message,
            "latched_at": self.latched_at.isoformat(),
            "mode": self.mode,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HaltState:
        """Inverse of :meth:`to_dict`."""
        return cls(
            str(data["breaker"]),
            str(data["message"]),
            datetime.fromisoformat(str(data["latched_at"])),
            str(data.get("mode", "")),
            {str(k): float(v) for k, v in dict(data.get("details", {})).items()},
        )


@dataclass(frozen=True, slots=True)
class ResumeRecord:
    """A human's decision to resume after a halt."""

    halt: HaltState
    resumed_at: datetime
    resumed_by: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "halt": self.halt.to_dict(),
            "resumed_at": self.resumed_at.isoformat(),
            "resumed_by": self.resumed_by,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResumeRecord:
        """Inverse of :meth:`to_dict`."""
        return cls(
            HaltState.from_dict(data["halt"]),
            datetime.fromisoformat(str(data["resumed_at"])),
            str(data["resumed_by"]),
            str(data["reason"]),
        )


class HaltStore(Protocol):
    """Where the latched halt lives (a JSON file here; a database table later)."""

    def load(self) -> HaltState | None:
        """The latched halt, or None when trading is allowed."""
        ...

    def latch(self, state: HaltState) -> None:
        """Latch ``state``; an already latched halt is kept (the first cause stays on record)."""
        ...

    def clear(self, who: str, reason: str, at: datetime | None = None) -> ResumeRecord:
        """Clear the halt on a human's decision; raise :class:`RiskStateError` if none."""
        ...

    def history(self) -> list[ResumeRecord]:
        """Every resume so far, oldest first."""
        ...


@runtime_checkable
class TrackerStore(Protocol):
    """Optional: where breaker and stop state is kept between runs of the service."""

    def load_tracker(self) -> dict[str, Any] | None:
        """The last saved tracker snapshot, or None."""
        ...

    def save_tracker(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the saved tracker snapshot."""
        ...


def check_resume(who: str, reason: str) -> None:
    """Refuse a resume without a person and a reason."""
    if not who.strip():
        raise RiskStateError("a resume must name who decided it")
    if not reason.strip():
        raise RiskStateError('a resume needs a reason: --reason "what was reviewed and why"')


class MemoryHaltStore:
    """A halt store that lives as long as the process (backtests and tests)."""

    def __init__(self) -> None:
        self._halt: HaltState | None = None
        self._history: list[ResumeRecord] = []
        self._tracker: dict[str, Any] | None = None

    def load(self) -> HaltState | None:
        """The latched halt, or None."""
        return self._halt

    def latch(self, state: HaltState) -> None:
        """Latch ``state`` unless a halt is already latched."""
        if self._halt is None:
            self._halt = state

    def clear(self, who: str, reason: str, at: datetime | None = None) -> ResumeRecord:
        """Clear the halt, recording who, when and why."""
        check_resume(who, reason)
        if self._halt is None:
            raise RiskStateError("trading is not halted; nothing to resume")
        record = ResumeRecord(self._halt, at or datetime.now(UTC), who.strip(), reason.strip())
        self._history.append(record)
        self._halt = None
        return record

    def history(self) -> list[ResumeRecord]:
        """Every resume so far."""
        return list(self._history)

    def load_tracker(self) -> dict[str, Any] | None:
        """The last tracker snapshot."""
        return self._tracker

    def save_tracker(self, snapshot: Mapping[str, Any]) -> None:
        """Keep ``snapshot``."""
        self._tracker = dict(snapshot)


class JsonHaltStore:
    """Halt and resume history in a JSON file; tracker state in a sibling file.

    Parameters
    ----------
    path
        The halt file, e.g. ``state/halt-paper.json``; its folder is created on first write.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.tracker_path = self.path.with_name(self.path.stem + ".tracker.json")
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    # --- HaltStore -------------------------------------------------------------------------
    def load(self) -> HaltState | None:
        """The latched halt, or None (no file yet means never halted)."""
        halt = self._read().get("halt")
        return HaltState.from_dict(halt) if halt else None

    def latch(self, state: HaltState) -> None:
        """Latch ``state`` unless a halt is already latched; persisted before returning."""
        with self._locked():
            data = self._read()
            if data.get("halt"):
                return
            data["halt"] = state.to_dict()
            self._write(self.path, data)

    def clear(self, who: str, reason: str, at: datetime | None = None) -> ResumeRecord:
        """Clear the halt, appending who, when (UTC) and why to the history."""
        check_resume(who, reason)
        with self._locked():
            data = self._read()
            if not data.get("halt"):
                raise RiskStateError(f"trading is not halted ({self.path}); nothing to resume")
            record = ResumeRecord(
                HaltState.from_dict(data["halt"]),
                at or datetime.now(UTC),
                who.strip(),
                reason.strip(),
            )
            data["halt"] = None
            data.setdefault("resumes", []).append(record.to_dict())
            self._write(self.path, data)
        return record

    def history(self) -> list[ResumeRecord]:
        """Every resume so far, oldest first."""
        return [ResumeRecord.from_dict(r) for r in self._read().get("resumes", [])]

    # --- TrackerStore ----------------------------------------------------------------------
    def load_tracker(self) -> dict[str, Any] | None:
        """The last tracker snapshot, or None."""
        if not self.tracker_path.exists():
            return None
        return self._parse(self.tracker_path)

    def save_tracker(self, snapshot: Mapping[str, Any]) -> None:
        """Atomically replace the tracker snapshot."""
        self._write(self.tracker_path, {"version": STATE_VERSION, **snapshot})

    # --- files -----------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": STATE_VERSION, "halt": None, "resumes": []}
        return self._parse(self.path)

    @staticmethod
    def _parse(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RiskStateError(
                f"cannot read the risk state file {path}: {exc}; trading stays blocked until it "
                "is repaired (restore it from a backup, or inspect and delete it deliberately)"
            ) from exc
        if not isinstance(data, dict):
            raise RiskStateError(f"the risk state file {path} does not hold a JSON object")
        return data

    @staticmethod
    def _write(path: Path, data: Mapping[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """A cross-platform lock file (O_EXCL); a lock older than the timeout is stale."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                break
            except FileExistsError:
                if _age(self.lock_path) > LOCK_TIMEOUT_S:
                    with contextlib.suppress(OSError):
                        os.unlink(self.lock_path)
                    continue
                if time.monotonic() > deadline:
                    raise RiskStateError(f"risk state is locked: {self.lock_path}") from None
                time.sleep(0.05)
        try:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(self.lock_path)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0
