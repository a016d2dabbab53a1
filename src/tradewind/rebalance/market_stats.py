"""The impact model's market statistics of a whole universe, computed column-wise in one pass.

For each symbol: the daily volatility (sample standard deviation, ``ddof = 1``, of the finite
log returns of a window of closes; unknown with 2 returns or fewer) and the average daily volume
(mean of the finite volumes of a window; unknown when there is none). The figures are identical
to the last bit to ``np.std`` / ``np.mean`` called on each symbol's finite values: the columns
are reduced as contiguous rows (numpy then sums each row exactly as it sums a lone vector), and
only columns with missing values are reduced one by one. A mean is the rows' sum divided by
their count, as ``ndarray.mean`` computes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tradewind.domain.arrays import FloatArray
from tradewind.rebalance.planner import MarketStats

__all__ = ["StatsTable", "window_stats"]


def _mean_rows(rows: FloatArray) -> FloatArray:
    """``rows.mean(axis=1)``: the rows' sums divided by their width (as ``ndarray.mean``)."""
    mean: FloatArray = np.add.reduce(rows, axis=1) / rows.shape[1]
    return mean


def _std_rows(rows: FloatArray) -> FloatArray:
    """``np.std(rows, axis=1, ddof=1)`` by ``np.std``'s own steps (numpy's ``_methods._var``:
    mean, squared deviations, their sum over ``width - 1``, square root), without its
    per-call checks, which cost more than the arithmetic on a plan's few symbols."""
    width = rows.shape[1]
    dev = rows - np.add.reduce(rows, axis=1, keepdims=True) / width
    np.multiply(dev, dev, out=dev)
    std: FloatArray = np.sqrt(np.add.reduce(dev, axis=1) / (width - 1))
    return std


def _rowwise(rows: FloatArray, minimum: int, std: bool) -> FloatArray:
    """Per row of the C-contiguous ``rows``: std (ddof 1) or mean of its finite values; NaN
    with ``minimum`` or fewer."""
    n, width = rows.shape
    if n and width > minimum and np.isfinite(rows).all():  # every row complete: no masks
        return _std_rows(rows) if std else _mean_rows(rows)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    finite = np.isfinite(rows)
    full = finite.all(axis=1)
    if width > minimum and full.any():
        block = rows[full]  # a C-contiguous copy: each row is reduced like a lone vector
        out[full] = np.std(block, axis=1, ddof=1) if std else block.mean(axis=1)
    for i in np.flatnonzero(~full).tolist():
        values = rows[i][finite[i]]
        if len(values) > minimum:
            out[i] = float(np.std(values, ddof=1)) if std else float(values.mean())
    return out


def window_stats(closes: FloatArray, volume: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Daily volatility and average volume of every column (NaN when unknown).

    Parameters
    ----------
    closes
        ``(window + 1) x n`` closes (NaN where a symbol has no bar).
    volume
        ``window x n`` volumes.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log(closes)
        rets = logs[1:] - logs[:-1]  # np.diff's subtraction, without its wrapper
    vol = _rowwise(np.ascontiguousarray(rets.T), 2, std=True)
    adv = _rowwise(np.ascontiguousarray(volume.T, dtype=np.float64), 0, std=False)
    return vol, adv


@dataclass(frozen=True)
class StatsTable(Mapping[str, MarketStats]):
    """:class:`MarketStats` by symbol over aligned arrays; an entry is built only when read."""

    symbols: Sequence[str]
    volatility: FloatArray
    volume: FloatArray
    index: Mapping[str, int]

    @classmethod
    def of(cls, symbols: Sequence[str], closes: FloatArray, volume: FloatArray) -> StatsTable:
        """The statistics of ``closes`` and ``volume`` (see :func:`window_stats`)."""
        vol, adv = window_stats(closes, volume)
        return cls(symbols, vol, adv, {s: i for i, s in enumerate(symbols)})

    def __getitem__(self, symbol: str) -> MarketStats:
        i = self.index[symbol]
        v, a = float(self.volatility[i]), float(self.volume[i])
        return MarketStats(v if v == v else None, a if a == a else None)  # NaN: unknown

    def __iter__(self) -> Iterator[str]:
        return iter(self.symbols)

    def __len__(self) -> int:
        return len(self.symbols)

    def arrays(self, symbols: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        """Volatility and volume of ``symbols`` (NaN when unknown or not in the table)."""
        at = np.array([self.index.get(s, -1) for s in symbols], dtype=np.intp)
        known = at >= 0
        vol = np.full(len(at), np.nan)
        adv = np.full(len(at), np.nan)
        vol[known] = self.volatility[at[known]]
        adv[known] = self.volume[at[known]]
        return vol, adv
