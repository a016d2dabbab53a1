"""Secrets masked in what the store writes: every text, and every text inside JSON values.

Shared by the store's sessions (:class:`~tradewind.store.core.StoreCore` masks each row before
it is flushed) and the backtest archive's bulk writers; no SQLAlchemy needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradewind.logsetup import redact


def clean(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` with ``secrets`` and credential-shaped text masked in every string, dict key
    and list or tuple item (tuples become lists, as JSON stores them); other values as given."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {clean(k, secrets): clean(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, secrets) for v in value]
    return value


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
