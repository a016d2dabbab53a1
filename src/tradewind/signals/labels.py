"""Labels: forward returns over the rebalance horizon, and the period each label spans.

The label of symbol ``s`` at the date in row ``i`` is the log return from that close to the
close ``horizon`` rows later, minus the average of that return over the symbols that have one
(the models learn which stocks beat the others, not where the market goes). It spans rows
``i`` to ``i + horizon``: it is known only at row ``i + horizon``, and a model may learn from
it only when that row is at or before the model's training date (:mod:`tradewind.signals.splits`
purges the rest).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Labels:
    """Forward excess log returns (rows x symbols), NaN where the future is not in the data."""

    values: FloatArray
    raw: FloatArray
    horizon: int

    def end_row(self, rows: IntArray) -> IntArray:
        """The row at which each label in ``rows`` becomes known."""
        return rows + self.horizon


def forward_returns(close: pd.DataFrame, horizon: int) -> Labels:
    """Forward ``horizon``-row log returns of every symbol, raw and cross-sectionally demeaned.

    Raises
    ------
    ValueError
        If ``horizon`` is not positive.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 session, was {horizon}")
    logp = np.log(close.to_numpy(dtype=float))
    raw = np.full_like(logp, np.nan)
    if len(logp) > horizon:
        raw[:-horizon] = logp[horizon:] - logp[:-horizon]
    with warnings.catch_warnings():  # a date without any label: 'mean of empty slice'
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(raw, axis=1, keepdims=True)
    return Labels(raw - mean, raw, horizon)
