"""One piece of a command's work done in a forked child while the command goes on.

``tradewind backtest`` writes two independent things once the run is over: the report folder
and the backtest database. Each takes most of a second on an 18-year run and neither reads the
other, so on a machine with two cores the database is written by a forked child (which shares
the finished run's memory: nothing is copied or pickled) while the parent writes the reports;
the parent then waits for the child and returns its result, or raises its error, exactly as if
it had done the work itself.

Forking is used only where it is safe (:func:`tradewind.forking.can_fork`: Linux, two cores,
a single Python thread). Anywhere else the work runs in the caller, when asked for the result:
the same result, one after the other.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from tradewind.forking import can_fork, fork_child

T = TypeVar("T")


class Pending(Generic[T]):
    """Work started by :func:`start`: :meth:`result` waits for it."""

    def __init__(self, work: Callable[[], T], pid: int | None, pipe: int | None) -> None:
        self._work = work
        self._pid = pid
        self._pipe = pipe
        self.forked = pid is not None
        """True when the work runs in a child process."""
        self.pid = pid
        """The child's process id (None without a fork)."""

    def result(self) -> T:
        """The work's return value; its exception, raised here, if it failed."""
        if self._pid is None or self._pipe is None:
            return self._work()
        chunks = []
        with os.fdopen(self._pipe, "rb") as pipe:
            while chunk := pipe.read(1 << 16):
                chunks.append(chunk)
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if not chunks:
            raise RuntimeError(
                f"the background process writing the backtest database died "
                f"(exit status {os.waitstatus_to_exitcode(status)}) before reporting"
            )
        ok, value = pickle.loads(b"".join(chunks))  # noqa: S301 - our own child's bytes
        if not ok:
            raise value
        result: T = value
        return result

    def abandon(self) -> None:
        """Wait for the child and drop its outcome (the caller is failing anyway); without a
        fork the work is not run."""
        if self._pid is None:
            return
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        os.waitpid(self._pid, 0)
        self._pid = None


def start(work: Callable[[], T], *, fork: bool | None = None) -> Pending[T]:
    """Start ``work`` in a forked child (``fork`` None: where :func:`can_fork`); ``work`` must
    return a picklable value. Without a fork nothing runs until :meth:`Pending.result`."""
    if not (can_fork() if fork is None else fork):
        return Pending(work, None, None)
    pid, read = fork_child(lambda write: _report(work, write))
    return Pending(work, pid, read)


def _report(work: Callable[[], Any], write: int) -> None:  # pragma: no cover - in the child
    """Run ``work`` and send its outcome, pickled: its value, or its error."""
    try:
        payload = pickle.dumps((True, work()))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        payload = pickle.dumps((False, _portable(exc)))
    with os.fdopen(write, "wb") as pipe:
        pipe.write(payload)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling; else the nearest class of its kind built from its
    message (an error whose ``__init__`` takes other arguments than a message)."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - round trip of our own object
    except Exception:  # noqa: BLE001 - any failure: rebuild below
        for cls in type(exc).__mro__[1:]:
            if not issubclass(cls, BaseException):
                continue
            try:
                rebuilt = cls(str(exc))
                pickle.loads(pickle.dumps(rebuilt))  # noqa: S301
            except Exception:  # noqa: BLE001, S112 - try the next base class
                continue
            return rebuilt
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
