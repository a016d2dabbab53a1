"""The run's fills in booking order, kept as the batches the engine booked them in.

A cycle's fills at the close arrive as one :class:`~tradewind.domain.batches.FillBatch`; the
log keeps it as it is and builds its :class:`~tradewind.domain.orders.Fill` objects when the
log is first read (reports, the store, the dashboard), so a backtest builds them once, at the
end, and a run nobody reads builds none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tradewind.domain.batches import FillBatch
from tradewind.domain.orders import Fill


def _settled(name: str) -> Callable[..., Any]:
    """The list method ``name``, run after the pending batches are built into the list."""
    method = getattr(list, name)

    def run(self: FillLog, *args: Any, **kwargs: Any) -> Any:
        self._settle()
        return method(self, *args, **kwargs)

    run.__name__ = name
    run.__doc__ = method.__doc__
    return run


class FillLog(list[Fill]):
    """A ``list`` of :class:`~tradewind.domain.orders.Fill` that also takes whole fill batches
    (:meth:`add_batch`), built into fills on the first read. Every list method reads and
    writes the fills in booking order, as a plain list of them would (C code that reads a
    list's items without its methods, ``PySequence_Fast``, would miss a pending batch: read
    the log through its methods, iteration or ``list(log)``)."""

    __slots__ = ("_pending", "_size")

    def __init__(self, fills: Iterable[Fill] = ()) -> None:
        super().__init__(fills)
        self._pending: list[FillBatch | list[Fill]] = []
        self._size = 0

    def add_batch(self, batch: FillBatch) -> None:
        """Append the fills of ``batch``, in its order (built when the log is read)."""
        if len(batch):
            self._pending.append(batch)
            self._size += len(batch)

    def extend(self, values: Iterable[Fill]) -> None:
        """Append ``values`` in order (after the pending batches, without building them)."""
        if not self._pending:
            list.extend(self, values)
            return
        more = list(values)
        if more:
            self._pending.append(more)
            self._size += len(more)

    def append(self, value: Fill) -> None:
        """Append ``value`` (after the pending batches, without building them)."""
        self.extend((value,))

    def _settle(self) -> None:
        """Build the pending batches' fills into the list, in order."""
        if self._pending:
            pending, self._pending, self._size = self._pending, [], 0
            for chunk in pending:
                list.extend(self, chunk.fills() if isinstance(chunk, FillBatch) else chunk)

    def __len__(self) -> int:
        return list.__len__(self) + self._size

    def __iter__(self) -> Iterator[Fill]:
        self._settle()
        return list.__iter__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FillLog, (list(iter(self)),))

    def __repr__(self) -> str:
        self._settle()
        return list.__repr__(self)  # as the plain list it stands for

    __getitem__ = _settled("__getitem__")
    __setitem__ = _settled("__setitem__")
    __delitem__ = _settled("__delitem__")
    __contains__ = _settled("__contains__")
    __reversed__ = _settled("__reversed__")
    __eq__ = _settled("__eq__")
    __ne__ = _settled("__ne__")
    __lt__ = _settled("__lt__")
    __le__ = _settled("__le__")
    __gt__ = _settled("__gt__")
    __ge__ = _settled("__ge__")
    __add__ = _settled("__add__")
    __mul__ = _settled("__mul__")
    __rmul__ = _settled("__rmul__")
    __iadd__ = _settled("__iadd__")
    __imul__ = _settled("__imul__")
    insert = _settled("insert")
    pop = _settled("pop")
    remove = _settled("remove")
    clear = _settled("clear")
    index = _settled("index")
    count = _settled("count")
    copy = _settled("copy")
    sort = _settled("sort")
    reverse = _settled("reverse")
