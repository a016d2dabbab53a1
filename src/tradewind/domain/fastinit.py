"""A faster ``__init__`` for the frozen, slotted dataclasses the engine creates per order.

A frozen dataclass sets each field in ``__init__`` through ``object.__setattr__``, which looks
the attribute up by name (about 0.1 us a field). :func:`fast_init` replaces that ``__init__``
with one that calls each slot's descriptor directly: same signature and defaults, the same
``__post_init__`` call, and assignment after construction still raises
``FrozenInstanceError``. Fills, order requests, events and records are built several times
per order, hundreds of thousands of times in a large backtest.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def fast_init(cls: type[T]) -> type[T]:
    """Give the frozen, slotted dataclass ``cls`` an ``__init__`` that sets its slots directly.

    Raises
    ------
    TypeError
        ``cls`` is not a frozen dataclass with slots, or a field is keyword-only, not in
        ``__init__`` or has a ``default_factory`` (none of which this supports).
    """
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a frozen dataclass with slots")
    namespace: dict[str, Any] = {}
    args: list[str] = []
    body: list[str] = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: unsupported field for fast_init")
        if f.default is dataclasses.MISSING:
            args.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            args.append(f"{f.name}=_default_{f.name}")
        namespace[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        body.append(f"    _set_{f.name}(self, {f.name})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(args)}):\n" + ("\n".join(body) or "    pass")
    exec(source, namespace)  # noqa: S102 - generated from the class's own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
