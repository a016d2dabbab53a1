"""Records as plain dicts for JSON, like :func:`dataclasses.asdict` without its deep copies.

``asdict`` deep-copies every leaf value (each decision's numpy target weights among them), which
makes writing an 18-year backtest's decision log and hashing it most of a second. A JSON writer
never mutates what it is given, so :func:`plain` shares the leaves instead of copying them; the
containers it builds are the ones ``asdict`` builds, so ``json.dumps`` of either writes the same
text (``tests/domain/test_plain.py``). Each record type's field names are looked up once, and
the common leaves (text, numbers) are returned without a call: a backtest's log is most of
100,000 values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from operator import attrgetter
from typing import Any

_LEAVES = frozenset({str, int, float, bool, type(None)})
"""Types returned as they are, checked first (most of a record's values)."""

_FIELDS: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]] | None] = {}
"""Each type met so far: its dataclass field names and a getter of their values (``None``
for a type that is not a dataclass)."""


def plain(obj: Any) -> Any:
    """``obj`` (a dataclass instance, or a list, tuple or dict of them) as ``asdict`` returns
    it, its leaf values shared rather than copied."""
    kind = type(obj)
    if kind in _LEAVES:
        return obj
    if kind not in _FIELDS:
        _FIELDS[kind] = _fields_of(kind)
    spec = _FIELDS[kind]
    if spec is not None:
        names, values = spec
        return {
            n: v if type(v) in _LEAVES else plain(v)
            for n, v in zip(names, values(obj), strict=True)
        }
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple, as asdict does
        return kind(*[v if type(v) in _LEAVES else plain(v) for v in obj])
    if isinstance(obj, list | tuple):
        return kind(v if type(v) in _LEAVES else plain(v) for v in obj)
    if isinstance(obj, dict):
        return kind((plain(k), plain(v)) for k, v in obj.items())
    return obj  # asdict returns copy.deepcopy(obj): equal, and JSON writes it alike


def _fields_of(kind: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]] | None:
    """The field names of the dataclass ``kind`` (as ``asdict`` walks them) and a getter of
    their values, or None for another type."""
    if not is_dataclass(kind):
        return None
    names = tuple(f.name for f in fields(kind))
    if len(names) > 1:
        return names, attrgetter(*names)
    return names, lambda obj: tuple(getattr(obj, name) for name in names)
