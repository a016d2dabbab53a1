"""The executor contract: ship a sweep's data once, run batches of trials, stream results.

Every executor keeps three promises, whatever the machine count:

1. :meth:`Executor.start` sends the :class:`~tradewind.backtest.trial.SweepData` to each worker
   once (not once per trial);
2. :meth:`Executor.run` yields each batch's results as soon as that batch finishes, in
   whatever order batches finish;
3. every trial of every batch comes back exactly once: with its results, with the error it
   raised, or, when the workers running it kept dying, as ``failed`` naming that.

Executors are chosen by name (``--executor``) through
:func:`~tradewind.backtest.executors.registry.get_executor`; adding one (Ray, say) is one module
with this shape plus one line in the registry.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from tradewind.backtest.trial import SweepData, TrialResult, TrialSpec

Batch = Sequence[TrialSpec]
MAX_ATTEMPTS = 3
"""Times a batch is started before its trials are recorded as failed because workers died."""


class Executor(Protocol):
    """Runs batches of trials on some workers (see the module docstring)."""

    name: str

    @property
    def workers(self) -> int:
        """Number of trials that can run at once (worker processes, one core each)."""
        ...

    def describe(self) -> str:
        """Where the trials run, for people (e.g. ``dask tcp://10.0.0.5:8786, 16 workers``)."""
        ...

    def start(self, data: SweepData) -> None:
        """Start (or join) the workers and ship ``data`` to each of them once."""
        ...

    def run(self, batches: Sequence[Batch]) -> Iterator[list[TrialResult]]:
        """Run ``batches``; yield each one's results as it finishes."""
        ...

    def close(self) -> None:
        """Stop what :meth:`start` started (a joined cluster keeps running)."""
        ...


def batches_of(specs: Sequence[TrialSpec], size: int) -> list[list[TrialSpec]]:
    """``specs`` cut into consecutive batches of ``size`` (the last may be shorter)."""
    step = max(1, size)
    return [list(specs[i : i + step]) for i in range(0, len(specs), step)]


def auto_batch_size(trials: int, workers: int, *, per_worker: int = 4, largest: int = 8) -> int:
    """Trials per task: about ``per_worker`` tasks per worker, at most ``largest`` trials each.

    Batches amortise the scheduler's per-task cost (a few milliseconds, against a backtest's
    fraction of a second) while leaving enough tasks to keep every worker busy to the end and
    to stream results often.
    """
    return max(1, min(largest, -(-trials // max(1, workers * per_worker))))


def lost_batch(batch: Batch, attempts: int, why: str) -> list[TrialResult]:
    """The trials of a batch whose workers kept dying, recorded as failed with the reason."""
    return [
        TrialResult.failed(spec, f"WorkerLost: {why} (started {attempts} times); not retried")
        for spec in batch
    ]
