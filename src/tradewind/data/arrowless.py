"""Import pandas without Apache Arrow: a trading service's process keeps ~45 MiB less resident.

pandas 3 imports ``pyarrow`` when it starts, whenever it is installed, to back its string dtype
(``str``) with Arrow arrays; the library and pandas' Arrow-backed array modules then stay
resident for the whole run. The trading service computes on float prices indexed by
timestamps: it never needs Arrow strings, and Arrow itself only for the Parquet series cache
(:mod:`tradewind.data.cache`, which imports it when it reads or writes a file).

:func:`import_pandas_without_arrow` imports pandas while ``pyarrow`` is hidden, then un-hides it.
pandas then keeps strings in its documented pure-Python storage (what it uses on any machine
without pyarrow: same values, same dtype name ``str``), and ``pyarrow`` stays importable, so
Parquet reads and writes still work (they load Arrow on first use). Only entry points that own
their process call it (``tradewind trade``, and ``tradewind backtest``, which starts ~0.1 s
sooner); a process that already imported pandas is left as it is.
"""

from __future__ import annotations

import sys

HIDDEN = "pyarrow"


def import_pandas_without_arrow() -> bool:
    """Import pandas with Arrow-backed strings off; True if it did, False if pandas (or
    pyarrow) was already imported, in which case nothing changes."""
    if "pandas" in sys.modules or HIDDEN in sys.modules:
        return False
    sys.modules[HIDDEN] = None  # type: ignore[assignment]  # "not installed" to importers
    try:
        import pandas  # noqa: F401  # the import is the point
    finally:
        del sys.modules[HIDDEN]
    return True
