"""A run's fills as columns: what the run summary adds up, without a Fill object per row.

A backtest records its fills as :class:`~tradewind.domain.batches.FillBatch` columns and builds
the :class:`~tradewind.domain.orders.Fill` objects only when something reads them. The summary
needs sums over every fill (turnover, estimated against realized costs); building ~10^4 objects
for that cost more than the sums, so it reads these columns instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.batches import FillBatch
from tradewind.domain.orders import Fill


@dataclass(frozen=True, slots=True)
class FillColumns:
    """Every fill of a run in booking order, one row each, as aligned columns.

    Attributes
    ----------
    ids
        Each fill's client order id.
    sign
        +1.0 for a buy, -1.0 for a sell (:attr:`~tradewind.domain.orders.Side.sign`).
    quantity, price, commission, slippage, impact
        The fill's fields, as float64 (a Fill's fields are floats: the values are the same).
    """

    ids: list[str]
    sign: FloatArray
    quantity: FloatArray
    price: FloatArray
    commission: FloatArray
    slippage: FloatArray
    impact: FloatArray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of(cls, chunks: Iterable[FillBatch | Sequence[Fill]]) -> FillColumns:
        """The columns of ``chunks`` (batches or lists of fills), one after the other."""
        ids: list[str] = []
        parts: list[tuple[BoolArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]]
        parts = []
        for chunk in chunks:
            if not len(chunk):
                continue
            if isinstance(chunk, FillBatch):
                ids.extend(chunk.ids)
                b = chunk
                parts.append((b.buy, b.quantity, b.price, b.commission, b.slippage, b.impact))
            else:
                ids.extend(f.client_order_id for f in chunk)
                parts.append(_object_columns(chunk))
        if not parts:
            none = np.zeros(0)
            parts.append((np.zeros(0, dtype=bool), none, none, none, none, none))
        buy, *values = (
            column[0] if len(column) == 1 else np.concatenate(column)
            for column in zip(*parts, strict=True)
        )
        return cls(ids, np.where(buy, 1.0, -1.0), *values)


def _object_columns(
    fills: Sequence[Fill],
) -> tuple[BoolArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    return (
        np.array([f.side.sign > 0 for f in fills], dtype=bool),
        np.array([f.quantity for f in fills], dtype=np.float64),
        np.array([f.price for f in fills], dtype=np.float64),
        np.array([f.commission for f in fills], dtype=np.float64),
        np.array([f.slippage for f in fills], dtype=np.float64),
        np.array([f.impact for f in fills], dtype=np.float64),
    )
