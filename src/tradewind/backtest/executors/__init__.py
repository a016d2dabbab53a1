"""Where a sweep's trials run: local processes or a Dask cluster, behind one interface."""

from tradewind.backtest.executors.base import Executor, auto_batch_size, batches_of
from tradewind.backtest.executors.registry import FACTORIES, get_executor

__all__ = ["FACTORIES", "Executor", "auto_batch_size", "batches_of", "get_executor"]
