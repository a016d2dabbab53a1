"""Whether the machine was busy while a benchmark ran: the load average at its start and its end.

On a shared machine a benchmark that overlaps other work measures contention, not speed. The
benchmarks look at the 1-minute load average (``os.getloadavg``) when they start and when they
end, and call the run *busy* when other work kept more than half of the CPUs occupied at either
point: a load average above ``cpu_count / 2`` (1.0 on a machine with 2 CPUs).

The load average counts every runnable process, the benchmark's own included, so at the end it
holds the benchmark's own share too. That share is taken off before the end is judged: a
benchmark that kept ``cpus_used`` CPUs busy for ``t`` seconds adds
``cpus_used * (1 - exp(-t / 60))`` to the 1-minute load average (the kernel's exponential
average, one-minute time constant). At the start the benchmark has done nothing yet, but the
one before it (``make bench`` runs them back to back) may have: :func:`start` first waits, a
bounded time, for the load average to settle.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

LOAD_WINDOW = 60.0
"""Time constant of the 1-minute load average (seconds)."""


def busy_threshold(cpus: int) -> float:
    """The load average above which other work is contending for the CPUs: half of them."""
    return cpus / 2


def is_busy(load: float, cpus: int) -> bool:
    """Whether ``load`` (other work's share of the 1-minute load average) makes the machine busy."""
    return load > busy_threshold(cpus)


@dataclass(frozen=True)
class Start:
    """The machine when a benchmark starts: CPUs, 1-minute load average, monotonic clock."""

    cpus: int
    load: float
    clock: float


@dataclass(frozen=True)
class MachineLoad:
    """The machine over a benchmark's run: load average at its start and end, and the verdict."""

    cpus: int
    load_start: float
    load_end: float
    own_load: float
    """The benchmark's own share of ``load_end`` (taken off before the end is judged)."""

    @property
    def busy_start(self) -> bool:
        """Other work kept more than half the CPUs busy when the benchmark started."""
        return is_busy(self.load_start, self.cpus)

    @property
    def busy_end(self) -> bool:
        """Other work kept more than half the CPUs busy when the benchmark ended."""
        return is_busy(self.load_end - self.own_load, self.cpus)

    @property
    def busy(self) -> bool:
        """Busy at the start or at the end: the figures measure contention."""
        return self.busy_start or self.busy_end

    def payload(self) -> dict[str, Any]:
        """What the results file keeps: ``{cpus, load_start, load_end, own_load, busy}``."""
        return {
            "cpus": self.cpus,
            "load_start": self.load_start,
            "load_end": self.load_end,
            "own_load": self.own_load,
            "busy": self.busy,
        }


SETTLE_SECONDS = 90.0
"""Longest wait for the load average to settle before a benchmark starts."""


def start(
    settle: float = SETTLE_SECONDS,
    *,
    read: Callable[[], float] = lambda: os.getloadavg()[0],
    sleep: Callable[[float], None] = time.sleep,
    say: Callable[[str], None] | None = None,
) -> Start:
    """Look at the machine as a benchmark starts, after waiting up to ``settle`` seconds for
    the load average to fall to the busy threshold: ``make bench`` runs the benchmarks one
    after another, and the one before leaves its own load in the 1-minute average (it decays
    by ``exp(-t / 60)``; about 40 s takes 1.0 down to 0.5). Other work keeps it up: the wait
    ends at ``settle`` and the start is judged on what it reads then. ``say`` hears one line
    when it waits."""
    cpus = os.cpu_count() or 1
    load, waited, step = read(), 0.0, 5.0
    if is_busy(load, cpus) and settle > 0 and say is not None:
        say(
            f"load average {load:.2f} on {cpus} CPUs: waiting up to {settle:.0f} s for it to settle"
        )
    while is_busy(load, cpus) and waited < settle:
        sleep(step)
        waited += step
        load = read()
    return Start(cpus, load, time.monotonic())


def finish(began: Start, cpus_used: float) -> MachineLoad:
    """Look at the machine as a benchmark ends; it kept ``cpus_used`` CPUs busy since ``began``."""
    elapsed = time.monotonic() - began.clock
    return ended(began, os.getloadavg()[0], cpus_used, elapsed)


def ended(began: Start, load_end: float, cpus_used: float, elapsed: float) -> MachineLoad:
    """The run's :class:`MachineLoad` from the end's load average and the run's length."""
    own = cpus_used * (1.0 - math.exp(-elapsed / LOAD_WINDOW))
    return MachineLoad(began.cpus, began.load, load_end, own)


# --- text: the console and the README blocks read the stored payload ---------------------------
def start_line(began: Start) -> str:
    """The header's line: the load average as the benchmark starts."""
    return (
        f"load average {began.load:.2f} at the start on {began.cpus} CPUs "
        f"(busy above {busy_threshold(began.cpus):.1f})"
    )


def _yellow(text: str | None) -> str:
    return f"\n[bold yellow]{text}[/]" if text else ""


def console_start(began: Start) -> str:
    """The console header's line (rich markup): the load average at the start, and the warning
    at once when the machine is already busy."""
    return start_line(began) + _yellow(warning({"cpus": began.cpus, "load_start": began.load}))


def console_end(load: MachineLoad) -> str:
    """The console footer's line (rich markup): the load average at the start and the end, and
    the warning when the machine was busy at either."""
    machine = load.payload()
    return load_line(machine) + _yellow(warning(machine))


def load_line(machine: Mapping[str, Any]) -> str:
    """The load average at the start and the end of a run, as stored by :meth:`payload`."""
    return (
        f"load average {machine['load_start']:.1f} at the start and {machine['load_end']:.1f} "
        f"at the end, {machine['own_load']:.1f} of it the benchmark's own, on "
        f"{machine['cpus']} CPUs"
    )


def warning(machine: Mapping[str, Any]) -> str | None:
    """The busy-machine warning for a stored payload (the end's figures optional), or None when
    the machine was quiet."""
    cpus = int(machine["cpus"])
    points = []
    if is_busy(machine["load_start"], cpus):
        points.append(f"{machine['load_start']:.1f} on {cpus} CPUs at the start")
    if "load_end" in machine:
        other = machine["load_end"] - machine["own_load"]
        if is_busy(other, cpus):
            on = "" if points else f" on {cpus} CPUs"
            points.append(f"{other:.1f}{on} at the end, the benchmark's own share taken off")
    if not points:
        return None
    return (
        f"busy machine: load average {' and '.join(points)}; the figures measure contention, "
        "re-run on a quiet machine"
    )


def warning_sentence(machine: Mapping[str, Any]) -> str:
    """The warning as a bold sentence for the README (with a leading space), or "" when quiet."""
    text = warning(machine)
    return f" **{text[0].upper()}{text[1:]}.**" if text else ""


def readme_line(machine: Mapping[str, Any]) -> str:
    """The README block's line: the load average at the start and the end, and any warning."""
    text = load_line(machine)
    return f"{text[0].upper()}{text[1:]}.{warning_sentence(machine)}"
