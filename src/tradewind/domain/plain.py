"""Records as plain dicts for JSON, like :func:`dataclasses.asdict` without its deep copies.

``asdict`` deep-copies every leaf value (each decision's numpy target weights among them), which
makes writing an 18-year backtest's decision log and hashing it most of a second. A JSON writer
never mutates what it is given, so :func:`plain` shares the leaves instead of copying them; the
containers it builds are the ones ``asdict`` builds, so ``json.dumps`` of either writes the same
text (``tests/domain/test_plain.py``).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any


def plain(obj: Any) -> Any:
    """``obj`` (a dataclass instance, or a list, tuple or dict of them) as ``asdict`` returns
    it, its leaf values shared rather than copied."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple, as asdict does
        return type(obj)(*[plain(v) for v in obj])
    if isinstance(obj, list | tuple):
        return type(obj)(plain(v) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((plain(k), plain(v)) for k, v in obj.items())
    return obj  # asdict returns copy.deepcopy(obj): equal, and JSON writes it alike
