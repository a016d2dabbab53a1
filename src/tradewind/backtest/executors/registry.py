"""Executors by ``--executor`` name; an executor's module (and engine) is imported when chosen."""

from __future__ import annotations

from collections.abc import Callable

from tradewind.backtest.executors.base import Executor
from tradewind.domain.errors import ConfigError

ExecutorFactory = Callable[[str | None, int | None], Executor]


def _local(address: str | None, workers: int | None) -> Executor:
    from tradewind.backtest.executors.local import LocalExecutor

    if address is not None:
        raise ConfigError(
            "--address is for --executor dask (a cluster to join); the local executor "
            "runs processes on this machine: drop --address or add --executor dask"
        )
    return LocalExecutor(workers)


def _dask(address: str | None, workers: int | None) -> Executor:
    from tradewind.backtest.executors.dask_cluster import DaskExecutor

    return DaskExecutor(address, workers)


def _ray(address: str | None, workers: int | None) -> Executor:
    raise ConfigError(
        "--executor ray is not available yet: tradewind runs sweeps on Dask distributed "
        "(see the README's 'Scaling out' for why); use --executor dask, which also joins a "
        "running cluster with --address tcp://HOST:8786"
    )


FACTORIES: dict[str, ExecutorFactory] = {"local": _local, "dask": _dask, "ray": _ray}
"""Executors by ``--executor`` name."""


def get_executor(name: str, address: str | None = None, workers: int | None = None) -> Executor:
    """The executor called ``name`` (not started yet).

    Raises
    ------
    ConfigError
        An unknown name, a missing optional dependency (naming its install command), or
        options the executor cannot use.
    """
    factory = FACTORIES.get(name)
    if factory is None:
        raise ConfigError(
            f"--executor {name!r} is unknown; allowed: {', '.join(sorted(FACTORIES))}"
        )
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, was {workers}")
    return factory(address, workers)
