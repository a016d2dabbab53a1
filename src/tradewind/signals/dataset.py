"""Training samples: (features, label) pairs of every symbol at every ``sample_every``-th date.

Dates are sampled on a fixed grid of rows (row ``0, k, 2k, ...`` of the panel), so two models
trained at different dates draw the same samples where their windows overlap. A sample needs
every feature and its label: warm-up rows and the last ``horizon`` rows (future unknown)
have none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.signals.features import FeaturePanel
from tradewind.signals.labels import Labels

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Dataset:
    """Samples in row order: features ``X``, label ``y``, the row (date) each was observed at,
    the row its label is known at, and the symbol's position."""

    X: FloatArray
    y: FloatArray
    rows: IntArray
    ends: IntArray
    symbols: IntArray
    index: pd.DatetimeIndex

    def take(self, positions: IntArray) -> Dataset:
        """The samples at ``positions``."""
        return Dataset(
            self.X[positions],
            self.y[positions],
            self.rows[positions],
            self.ends[positions],
            self.symbols[positions],
            self.index,
        )

    def __len__(self) -> int:
        return len(self.y)

    def date(self, row: int) -> pd.Timestamp:
        """The timestamp of panel row ``row``."""
        return pd.Timestamp(self.index[row])


def make_dataset(panel: FeaturePanel, labels: Labels, sample_every: int) -> Dataset:
    """Every complete sample of ``panel`` on the grid of every ``sample_every``-th row."""
    rows = np.arange(0, len(panel.index), sample_every, dtype=np.int64)
    X = panel.values[rows]  # (dates, symbols, features)
    y = labels.values[rows]  # (dates, symbols)
    ok = np.isfinite(X).all(axis=2) & np.isfinite(y)
    date_pos, sym_pos = np.nonzero(ok)
    sample_rows = rows[date_pos]
    return Dataset(
        X[date_pos, sym_pos].astype(float),
        y[date_pos, sym_pos].astype(float),
        sample_rows,
        labels.end_row(sample_rows),
        sym_pos.astype(np.int64),
        panel.index,
    )
