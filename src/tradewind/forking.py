"""Forking a child that works beside its caller: the one place that decides when it is safe.

Two accelerators fork: ``tradewind backtest`` writes its database in a child while it writes the
reports (:mod:`tradewind.cli.background`), and a first run computes the regime series in a child
while the simulation reads it (:mod:`tradewind.regime.ahead`). Both are only accelerators: where
:func:`can_fork` says no, the caller does the same work itself, with the same results.

The rules, kept here once:

* POSIX ``os.fork`` on Linux with two cores or more (on one core the child only competes).
* No Python thread but the caller's: a thread is missing in the child, with whatever locks it
  held. The one exception, on request, is rich's status spinner (``console.status``), which
  only draws on the terminal: a child forked beside it must not write to the terminal, so
  :func:`fork_child` with ``quiet`` sends its output and logging nowhere.
* Buffered output is flushed before the fork (nothing is written twice), and the child leaves
  with ``os._exit``: no atexit handler, no flushing of the parent's buffers, no return into the
  caller's code.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import warnings
from collections.abc import Callable


def can_fork(*, beside_spinner: bool = False) -> bool:
    """Whether a child may be forked here (the module's rules); ``beside_spinner`` also allows
    rich's status spinner thread to be running."""
    current = threading.current_thread()
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and (os.cpu_count() or 1) >= 2
        and all(t is current or (beside_spinner and _is_spinner(t)) for t in threading.enumerate())
    )


def _is_spinner(thread: threading.Thread) -> bool:
    kind = type(thread)
    return kind.__module__ == "rich.live" and kind.__name__ == "_RefreshThread"


def fork_child(body: Callable[[int], object], *, quiet: bool = False) -> tuple[int, int]:
    """Fork a child that runs ``body(write_fd)`` and exits (status 1 if ``body`` raised);
    return ``(pid, read_fd)``, the child's id and the read end of its pipe, to the parent.

    The caller checks :func:`can_fork` first. ``quiet``: the child's standard output and error
    go to ``/dev/null`` and its logging and warnings are off (a fork beside the spinner).
    """
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # nothing buffered before the fork is written twice
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns on fork() with other OS threads alive (numpy's BLAS pool, the
        # spinner): the child touches nothing they hold (module docstring).
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: coverage of forked children is not collected
        code = 0
        try:
            os.close(read)
            if quiet:
                _quiet()
            body(write)
        except BaseException:  # noqa: BLE001 - the parent sees what the pipe carried
            code = 1
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write)
    return pid, read


def _quiet() -> None:  # pragma: no cover - the child
    """Send the child's output nowhere, through objects no other thread of the parent held."""
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives until os._exit
