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
an accelerator: when it cannot fork (not Linux, one core, Python threads other than the caller's
and rich's spinner) it yields nothing and the caller computes everything itself, and a child
that dies, or says nothing for :data:`SILENCE_S` seconds, just ends the sequence (the caller
computes the rest). Nothing here decides anything.

Forking is safe here because the child touches nothing another thread may hold: it computes on
arrays it already has and writes to its own pipe; it is forked quiet beside rich's spinner (its
output and logging sent nowhere) and leaves with ``os._exit`` (the rules:
:mod:`tradewind.forking`).

A backtest uses the same mechanism one level up: the whole series is computed in a child while
the simulation reads its decisions bar by bar (:mod:`tradewind.engine.regime_stream`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

from tradewind.forking import can_fork, fork_child

T = TypeVar("T")

SILENCE_S = 120.0
"""A child that sends nothing for this long is given up (the caller computes the rest)."""

_HEADER = 8
"""Bytes of the length that precedes each pickled item."""


Producer = Callable[[Callable[[T], None]], None]
"""Computes the items and hands each to the function it is given (``emit``), in order."""


class Ahead(Generic[T]):
    """The items ``produce(emit)`` emits, computed in a forked child, read with :meth:`next`.

    Use as a context manager: leaving it stops the child (whether or not every item was
    read). Without a fork (:func:`can_fork`, or ``fork=False``) :meth:`next` returns None at
    once and the caller computes the items itself.
    """

    def __init__(
        self, produce: Producer[T], *, fork: bool | None = None, silence_s: float = SILENCE_S
    ) -> None:
        self.forked = False
        """True when a child is computing the items."""
        self.pid: int | None = None
        """The child's process id (None without one); it is reaped by :meth:`close`."""
        self._pid: int | None = None
        self._fd: int | None = None
        self._silence_s = silence_s
        if not (can_fork(beside_spinner=True) if fork is None else fork):
            return
        pid, read = fork_child(lambda write: produce(_emitter(write)), quiet=True)
        self._pid, self._fd, self.forked, self.pid = pid, read, True, pid

    def next(self) -> T | None:
        """The next item, waiting for the child; None without a child, after its last item,
        or when it died or fell silent (the caller then computes the rest itself)."""
        if self._fd is None:
            return None
        try:
            size = int.from_bytes(self._read(_HEADER), "little")
            item: T = pickle.loads(self._read(size))  # noqa: S301 - our own child's bytes
        except (EOFError, TimeoutError, pickle.UnpicklingError, OSError):
            self.close()
            return None
        return item

    def _read(self, n: int) -> bytes:
        assert self._fd is not None  # noqa: S101 - guarded by the caller
        chunks, missing = [], n
        while missing:
            ready, _, _ = select.select([self._fd], [], [], self._silence_s)
            if not ready:
                raise TimeoutError(f"the child sent nothing for {self._silence_s:g} s")
            chunk = os.read(self._fd, min(missing, 1 << 20))
            if not chunk:
                raise EOFError("the child ended")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Stop reading and end the child (it may still be computing items nobody will read)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _emitter(write: int) -> Callable[[T], None]:  # pragma: no cover - runs in the child
    """Sends each item through ``write``, pickled, after its length."""

    def emit(item: T) -> None:
        payload = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        data = memoryview(len(payload).to_bytes(_HEADER, "little") + payload)
        while data:
            data = data[os.write(write, data) :]

    return emit
