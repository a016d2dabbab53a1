"""Lazy package exports (PEP 562): a package names its public objects and the submodule each
lives in, and a name's submodule is imported only when the name is first used.

Importing one light submodule of a package (``tradewind.risk.breakers`` for ``tradewind
status``) then does not import its heavy siblings (pandas through ``tradewind.risk.limits``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(
    package: str, where: Mapping[str, str], names: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``.

    ``where`` maps each public name to the full name of the module defining it; a name is
    imported from there on first use and then kept in the package's namespace.

    Examples
    --------
    In a package's ``__init__.py``::

        __getattr__, __dir__ = lazy_exports(__name__, {"RiskManager": "pkg.manager"}, __all__)
    """

    def __getattr__(name: str) -> Any:
        home = where.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *names})

    return __getattr__, __dir__
