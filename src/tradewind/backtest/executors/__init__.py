"""Where a sweep's trials run: local processes or a Dask cluster, behind one interface."""

from tradewind.backtest.executors.base import (
    FACTORIES,
    Executor,
    auto_batch_size,
    batches_of,
    get_executor,
)

__all__ = ["FACTORIES", "Executor", "auto_batch_size", "batches_of", "get_executor"]
