"""The ``local`` executor: worker processes on this machine (the default).

Each process receives the sweep's data once, when it starts (the pool's initializer), and then
runs batches of trial specs. Processes are forked from a clean ``forkserver`` process that has
imported tradewind already, never from the sweep's own process, which may run threads (a
progress bar, a Dask client): forking a process with threads can deadlock the child.

A process that dies breaks the whole pool (that is how
:class:`~concurrent.futures.ProcessPoolExecutor` reports it); the executor then starts a new
pool and runs the unfinished batches again, up to
:data:`~tradewind.backtest.executors.base.MAX_ATTEMPTS` times each. With one worker the trials
run in this process, with nothing to ship.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from tradewind.backtest.executors.base import MAX_ATTEMPTS, Batch, lost_batch
from tradewind.backtest.trial import SweepData, TrialResult, TrialSpec, run_trials

_DATA: SweepData | None = None
"""The sweep's data inside a worker process (set once by the pool's initializer)."""


def _install(data: SweepData) -> None:
    global _DATA
    _DATA = data


def _ready() -> bool:
    return _DATA is not None


def _run_shipped(specs: list[TrialSpec]) -> list[TrialResult]:
    if _DATA is None:  # pragma: no cover - the initializer always ran first
        raise RuntimeError("worker started without the sweep's data")
    return run_trials(_DATA, specs)


class LocalExecutor:
    """Worker processes on this machine.

    Parameters
    ----------
    workers
        Number of processes (default: the number of cores).
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or os.cpu_count() or 1
        self._data: SweepData | None = None
        self._pool: ProcessPoolExecutor | None = None

    @property
    def workers(self) -> int:
        """Number of worker processes."""
        return self._workers

    def describe(self) -> str:
        """``local, N processes``."""
        if self._workers == 1:
            return "local, 1 process (this one)"
        return f"local, {self._workers} processes"

    def start(self, data: SweepData) -> None:
        """Start the worker processes, each receiving ``data`` as it starts."""
        self._data = data
        if self._workers > 1:
            pool = self._new_pool()
            for ready in [pool.submit(_ready) for _ in range(self._workers)]:
                ready.result()

    def _new_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["tradewind.backtest.trial"])
        self._pool = ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=context,
            initializer=_install,  # type: ignore[arg-type]  # typeshed knows no initargs types
            initargs=(self._data,),  # type: ignore[arg-type]
        )
        return self._pool

    def run(self, batches: Sequence[Batch]) -> Iterator[list[TrialResult]]:
        """Run ``batches`` on the processes; yield each batch's results as it finishes."""
        if self._data is None:
            raise RuntimeError("start() the executor before run()")
        if self._workers == 1:
            for batch in batches:
                yield run_trials(self._data, list(batch))
            return
        attempts = dict.fromkeys(range(len(batches)), 0)
        pending = set(attempts)
        pool = self._pool or self._new_pool()
        while pending:
            running: dict[Future[list[TrialResult]], int] = {}
            for i in sorted(pending):
                attempts[i] += 1
                running[pool.submit(_run_shipped, list(batches[i]))] = i
            broken = False
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    i = running.pop(future)
                    try:
                        results = future.result()
                    except BrokenProcessPool:
                        broken = True
                        if attempts[i] >= MAX_ATTEMPTS:
                            pending.discard(i)
                            yield lost_batch(batches[i], attempts[i], "a worker process died")
                        continue
                    pending.discard(i)
                    yield results
            if broken:
                pool = self._new_pool()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
