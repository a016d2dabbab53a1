"""Results computed ahead in a forked child, read back one by one in order.

A batch run of the ``hmm`` detector (:meth:`~tradewind.regime.base.BaseDetector.detect_series`)
knows in advance at which bars it will refit (the schedule depends on the rows alone), and each
refit depends only on its window and the previous fit, never on the per-bar filtering and
decisions in between. So the chain of fits can run in a second process while this one filters
and decides bar by bar, taking each fit when it reaches its bar: on two cores the per-bar work
no longer adds to the fits' time.

The child is a fork of the caller: it computes with the same code on the same arrays (nothing
is copied or pickled on the way in) and sends each result through a pipe, pickled; a result
read back is the very value the caller would have computed, bit for bit. :class:`Ahead` is only
an accelerator: when it cannot fork (not Linux, several Python threads, one core) it yields
nothing and the caller computes everything itself, and a child that dies early just ends the
sequence (the caller computes the rest). Nothing here decides anything.

A backtest uses the same mechanism one level up: the whole series is computed in a child while
the simulation reads its decisions bar by bar (:mod:`tradewind.engine.regime_stream`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from typing import IO, Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """Whether :class:`Ahead` forks here: Linux, one Python thread, at least two cores."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and (os.cpu_count() or 1) >= 2
    )


Producer = Callable[[Callable[[T], None]], None]
"""Computes the items and hands each to the function it is given (``emit``), in order."""


class Ahead(Generic[T]):
    """The items ``produce(emit)`` emits, computed in a forked child, read with :meth:`next`.

    Use as a context manager: leaving it stops the child (whether or not every item was
    read). Without a fork (:func:`can_fork`, or ``fork=False``) :meth:`next` returns None at
    once and the caller computes the items itself.
    """

    def __init__(self, produce: Producer[T], *, fork: bool | None = None) -> None:
        self.forked = False
        """True when a child is computing the items."""
        self._pid: int | None = None
        self._pipe: IO[bytes] | None = None
        self.pid: int | None = None
        """The child's process id (None without one); it is reaped by :meth:`close`."""
        if not (can_fork() if fork is None else fork):
            return
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # nothing buffered before the fork is written twice
        read, write = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns on fork() with other OS threads alive (numpy's BLAS pool);
            # the child computes with numpy and leaves with os._exit, taking no lock they hold.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child: coverage of forked children is not collected
            os.close(read)
            _child(produce, write)
        os.close(write)
        self._pid, self._pipe, self.forked = pid, os.fdopen(read, "rb"), True
        self.pid = pid

    def next(self) -> T | None:
        """The next item, waiting for the child; None without a child or after its last item
        (or when it died: the caller then computes the rest itself)."""
        if self._pipe is None:
            return None
        try:
            item: T = pickle.load(self._pipe)  # noqa: S301 - our own child's bytes
        except (EOFError, pickle.UnpicklingError, OSError):
            self.close()
            return None
        return item

    def close(self) -> None:
        """Stop reading and end the child (it may still be computing items nobody will read)."""
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _child(produce: Producer[T], write: int) -> None:  # pragma: no cover - the child
    code = 0
    try:
        with os.fdopen(write, "wb") as pipe:

            def emit(item: T) -> None:
                pickle.dump(item, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                pipe.flush()

            produce(emit)
    except BaseException:  # noqa: BLE001 - the parent computes what it did not receive
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
