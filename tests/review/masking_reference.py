"""The secret masking of the backtest archive as it was before issue 28's seventh round, kept
as the reference the new masking is compared with (``test_archive_masking.py``): the row
masker of ``src/tradewind/store/redaction.py`` and the masking writer of
``src/tradewind/review/archive.py``, copied verbatim from commit c7750d2 (but for the imports);
do not "fix" them.
"""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tradewind.logsetup import redact
from tradewind.store.sqlite_writer import TIME, Columns

_PLAIN = frozenset({int, float, bool, type(None)})
"""Types that hold no text: a column of only these is passed as it is."""
_TEXT = frozenset({str, type(None)})


class RowMasker:
    """Masks secrets, as :func:`clean` does, in many rows at once: each distinct string is
    masked once (a backtest repeats its reasons, symbols and ids thousands of times), and a
    column holding no text at all is passed through untouched."""

    def __init__(self, secrets: Sequence[str]) -> None:
        self._secrets = tuple(s for s in secrets if s)
        self._seen: dict[str, str] = {}

    def value(self, value: Any) -> Any:
        """``value`` masked (see :func:`clean`)."""
        kind = type(value)
        if kind in _PLAIN:  # most values of a JSON document: numbers
            return value
        if isinstance(value, str):
            masked = self._seen.get(value)
            if masked is None:
                masked = self._seen[value] = redact(value, self._secrets)
            return masked
        if isinstance(value, dict):
            if all(type(v) in _PLAIN for v in value.values()):  # e.g. targets: texts as keys
                return {self.value(k): v for k, v in value.items()}
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def rows(self, rows: Sequence[Sequence[Any]], skip: Sequence[bool]) -> list[tuple[Any, ...]]:
        """``rows`` with every value masked, except in the columns where ``skip`` is True (for
        example times already encoded as text)."""
        if not rows:
            return []
        columns = list(zip(*rows, strict=True))
        for i, column in enumerate(columns):
            kinds = set(map(type, column))
            if skip[i] or kinds <= _PLAIN:
                continue
            if kinds <= _TEXT:  # a text column: each distinct text once, rebuilt if one changed
                changed = {t: m for t in set(column) - {None} if (m := self.value(t)) != t}
                if changed:
                    columns[i] = tuple(changed.get(v, v) for v in column)
                continue
            columns[i] = tuple(map(self.value, column))
        return list(zip(*columns, strict=True))


class _Masking:
    """A :class:`Writer` that masks secrets in every row before the one it wraps writes it
    (the times, already encoded by the wrapped writer, are left as they are)."""

    def __init__(self, inner: Any, masker: RowMasker) -> None:
        self.inner, self.masker = inner, masker

    def time(self, value: datetime) -> Any:
        return self.inner.time(value)

    def insert(self, table: str, columns: Columns, rows: Sequence[Sequence[Any]]) -> None:
        self.inner.insert(table, columns, self.masker.rows(rows, _times(columns)))

    def insert_one(self, table: str, columns: Columns, row: Sequence[Any]) -> int:
        (masked,) = self.masker.rows([row], _times(columns))
        return self.inner.insert_one(table, columns, masked)

    def update(self, table: str, row_id: int, columns: Columns, row: Sequence[Any]) -> None:
        (masked,) = self.masker.rows([row], _times(columns))
        self.inner.update(table, row_id, columns, masked)

    def delete(self, table: str, column: str, value: Any) -> None:
        self.inner.delete(table, column, self.masker.value(value))

    def ids(self, table: str, key: str, run_id: int) -> list[tuple[Any, int]]:
        return self.inner.ids(table, key, run_id)


def _times(columns: Columns) -> list[bool]:
    return [kind == TIME for kind in columns.values()]
