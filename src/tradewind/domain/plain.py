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

from dataclasses import fields, is_dataclass
from typing import Any

_LEAVES = frozenset({str, int, float, bool, type(None)})
"""Types returned as they are, checked first."""

_FIELDS: dict[type, tuple[str, ...]] = {}
"""Each type met so far: its dataclass field names, or () for a type that is not one."""


def plain(obj: Any) -> Any:
    """``obj`` (a dataclass instance, or a list, tuple or dict of them) as ``asdict`` returns
    it, its leaf values shared rather than copied."""
    kind = type(obj)
    if kind in _LEAVES:
        return obj
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = _field_names(kind)
    if names:
        return {name: _plain(getattr(obj, name)) for name in names}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple, as asdict does
        return kind(*[_plain(v) for v in obj])
    if isinstance(obj, list | tuple):
        return kind(_plain(v) for v in obj)
    if isinstance(obj, dict):
        return kind((_plain(k), _plain(v)) for k, v in obj.items())
    return obj  # asdict returns copy.deepcopy(obj): equal, and JSON writes it alike


def _plain(obj: Any) -> Any:
    """:func:`plain`, a leaf returned without the call."""
    return obj if type(obj) in _LEAVES else plain(obj)


def _field_names(kind: type) -> tuple[str, ...]:
    """The field names of the dataclass ``kind`` (as ``asdict`` walks them), () for another
    type."""
    if not is_dataclass(kind):
        return ()
    return tuple(f.name for f in fields(kind))
