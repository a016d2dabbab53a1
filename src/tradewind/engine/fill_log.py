"""The run's fills in booking order, kept as the batches the engine booked them in.

A cycle's fills at the close arrive as one :class:`~tradewind.domain.batches.FillBatch`; the
log keeps it as it is and builds its :class:`~tradewind.domain.orders.Fill` objects when the
log is first read (reports, the store, the dashboard), so a backtest builds them once, at the
end, and a run nobody reads builds none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableSequence
from typing import overload

from tradewind.domain.batches import FillBatch
from tradewind.domain.orders import Fill


class FillLog(MutableSequence[Fill]):
    """A list of :class:`~tradewind.domain.orders.Fill` that also takes whole fill batches
    (:meth:`add_batch`); reads, writes and comparisons behave as those of a list."""

    __slots__ = ("_flat", "_chunks", "_size")

    def __init__(self, fills: Iterable[Fill] = ()) -> None:
        self._flat: list[Fill] = list(fills)
        self._chunks: list[FillBatch | list[Fill]] = []
        self._size = len(self._flat)

    def add_batch(self, batch: FillBatch) -> None:
        """Append the fills of ``batch``, in its order (built when the log is read)."""
        if len(batch):
            self._chunks.append(batch)
            self._size += len(batch)

    def extend(self, values: Iterable[Fill]) -> None:
        """Append ``values`` in order."""
        more = list(values)
        if self._chunks:
            self._chunks.append(more)
        else:
            self._flat.extend(more)
        self._size += len(more)

    def append(self, value: Fill) -> None:
        """Append one fill."""
        self.extend((value,))

    def _all(self) -> list[Fill]:
        if self._chunks:
            flat = self._flat
            for chunk in self._chunks:
                flat.extend(chunk.fills() if isinstance(chunk, FillBatch) else chunk)
            self._chunks = []
        return self._flat

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Fill: ...

    @overload
    def __getitem__(self, index: slice) -> list[Fill]: ...

    def __getitem__(self, index: int | slice) -> Fill | list[Fill]:
        return self._all()[index]

    @overload
    def __setitem__(self, index: int, value: Fill) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[Fill]) -> None: ...

    def __setitem__(self, index: int | slice, value: Fill | Iterable[Fill]) -> None:
        flat = self._all()
        flat[index] = value  # type: ignore[index,assignment]
        self._size = len(flat)

    def __delitem__(self, index: int | slice) -> None:
        flat = self._all()
        del flat[index]
        self._size = len(flat)

    def insert(self, index: int, value: Fill) -> None:
        """Insert ``value`` before ``index``."""
        flat = self._all()
        flat.insert(index, value)
        self._size = len(flat)

    def __iter__(self) -> Iterator[Fill]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FillLog):
            return self._all() == other._all()
        if isinstance(other, list):
            return self._all() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __repr__(self) -> str:
        return f"FillLog({self._all()!r})"
