"""The ``dask`` executor: a Dask distributed cluster, started on loopback or joined by address.

* No ``--address``: a :class:`distributed.LocalCluster` of ``--workers`` processes (one thread
  each) listening on 127.0.0.1 only, stopped when the sweep ends.
* ``--address tcp://HOST:8786``: join the user's scheduler (``dask scheduler`` and
  ``dask worker`` on each machine, see the README's "Scaling out"); it keeps running after.

The sweep's data is scattered to every worker once (``broadcast=True``); each task is a batch
of trials that takes the data's future as its argument, so only trial parameters travel per
task. When a worker dies, the scheduler moves its tasks to the others (and a nanny restarts the
process); a task whose workers died ``distributed.scheduler.allowed-failures`` times comes back
as ``KilledWorker`` and its trials are recorded as failed. If the data itself was lost (every
worker holding it died), it is scattered again and the affected batches resubmitted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any

from tradewind.backtest.executors.base import MAX_ATTEMPTS, Batch, lost_batch
from tradewind.backtest.trial import SweepData, TrialResult, run_trials
from tradewind.domain.errors import ConfigError

INSTALL = 'pip install "tradewind[cluster]"'
CONNECT_TIMEOUT = "30s"

log = logging.getLogger(__name__)


def _version() -> str:
    """The installed tradewind version ("" when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tradewind")
    except PackageNotFoundError:
        return ""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ConfigError(
            f"--executor dask needs Dask distributed, which is not installed: run `{INSTALL}` "
            "(or `make install`, which includes it)"
        ) from None
    return distributed


class DaskExecutor:
    """Trials on a Dask distributed cluster.

    Parameters
    ----------
    address
        Scheduler address to join (``tcp://host:8786``); None starts a local cluster.
    workers
        Worker processes of the local cluster (default: the number of cores). With an address,
        the cluster's own workers are used and this must be left out.
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        self._dist = _distributed()
        if address is not None and workers is not None:
            raise ConfigError(
                "--workers sizes the local cluster; a cluster joined with --address has its "
                "own workers (start more with `dask worker ADDRESS`): drop --workers"
            )
        self.address = address
        self._n = workers or os.cpu_count() or 1
        self._cluster: Any = None
        self._client: Any = None
        self._data: Any = None
        self._payload: SweepData | None = None

    @property
    def workers(self) -> int:
        """Worker threads of the cluster (those connected now, for a joined cluster)."""
        if self._client is not None:
            return max(1, int(sum(self._client.nthreads().values())))
        return self._n

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (after :meth:`start`)."""
        if self._client is None:
            raise RuntimeError("start() the executor first")
        return self._client

    def describe(self) -> str:
        """Where the trials run."""
        where = self.address or "local cluster on 127.0.0.1"
        return f"dask {where}, {self.workers} workers"

    def start(self, data: SweepData) -> None:
        """Start or join the cluster and scatter ``data`` to every worker."""
        dist = self._dist
        if self.address is None:
            self._cluster = dist.LocalCluster(
                n_workers=self._n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # the scheduler's health/metrics endpoint on any free loopback port, not 8787
                # (taken when another cluster runs here: Dask would warn and pick another)
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
            self._client = dist.Client(self._cluster)
        else:
            try:
                self._client = dist.Client(self.address, timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                raise ConfigError(
                    f"--address {self.address}: no Dask scheduler answered ({exc}); start one "
                    "with `dask scheduler` and workers with `dask worker ADDRESS`, or drop "
                    "--address for a local cluster"
                ) from None
            if not self._client.nthreads():
                log.warning("the Dask scheduler at %s has no workers yet", self.address)
            self._check_workers()
        self._payload = data
        self._scatter()

    def _check_workers(self) -> None:
        """Refuse a cluster whose workers lack tradewind or run another version of it."""
        ours = _version()
        theirs = self.client.run(_version)  # cloudpickled by value: runs without tradewind
        wrong = {addr: v for addr, v in theirs.items() if v != ours}
        if wrong:
            addr, version = next(iter(wrong.items()))
            found = f"tradewind {version}" if version else "no tradewind"
            raise ConfigError(
                f"--address {self.address}: {len(wrong)} of {len(theirs)} workers cannot run "
                f"trials (worker {addr} has {found}, this machine {ours}); install the same "
                f'version on every worker machine (`pip install "tradewind[cluster]=={ours}"`) '
                "and restart its `dask worker`"
            )

    def _scatter(self) -> None:
        self._data = self.client.scatter(self._payload, broadcast=True, hash=False)

    def run(self, batches: Sequence[Batch]) -> Iterator[list[TrialResult]]:
        """Submit every batch; yield each one's results as it finishes."""
        dist = self._dist
        attempts = dict.fromkeys(range(len(batches)), 1)
        futures = {self._submit(list(b)): i for i, b in enumerate(batches)}
        done_iter = dist.as_completed(list(futures))
        for future in done_iter:
            i = futures.pop(future)
            batch = batches[i]
            try:
                results: list[TrialResult] = future.result()
            except dist.KilledWorker as exc:
                yield lost_batch(batch, attempts[i], f"the workers running it died ({exc})")
                continue
            except Exception as exc:  # lost data or a cancelled task: run it again
                if attempts[i] >= MAX_ATTEMPTS:
                    yield lost_batch(batch, attempts[i], f"{type(exc).__name__}: {exc}")
                    continue
                log.warning("batch %d failed to run (%s); running it again", i, exc)
                if self._data.status != "finished":
                    self._scatter()
                attempts[i] += 1
                again = self._submit(list(batch))
                futures[again] = i
                done_iter.add(again)
                continue
            yield results

    def _submit(self, batch: list[Any]) -> Any:
        return self.client.submit(run_trials, self._data, batch, pure=False)

    def close(self) -> None:
        """Disconnect; stop the local cluster if this executor started it."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
