"""The local cache of provider data: one Parquet file per provider, interval and symbol.

Layout: ``{data.cache.path}/{provider}/{1d|1h}/{SYMBOL}.parquet`` (``data/cache`` by default;
tests point it at a temporary folder). Each file holds the bars as the provider delivered them
(``RAW_COLUMNS``: prices as traded, dividends, splits; see :mod:`tradewind.data.adjust` for why)
and, in the Parquet metadata, what the file covers:

* ``start``: the first date asked for (a symbol listed later simply has no rows before it);
* ``through``: the last session (daily) or bar end (hourly) the provider has answered for;
* ``basis``: ``raw`` or ``current`` (see :data:`tradewind.data.providers.base.Basis`);
* ``updated``: when the file was last written (UTC).

Writes go to a temporary file first and replace the old one atomically, so a crash leaves the
previous version, never half a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tradewind.data.providers.base import RAW_COLUMNS, Basis
from tradewind.domain.errors import DataError

META_KEY = b"tradewind"


@dataclass(frozen=True)
class CacheEntry:
    """One cached series (see the module docstring).

    Attributes
    ----------
    provider, symbol, interval
        What the file is (``interval`` is ``1d`` or ``1h``).
    frame
        ``RAW_COLUMNS`` indexed by session date (daily, naive) or bar end (hourly, UTC).
    basis
        ``raw`` or ``current``.
    start
        The first date asked for.
    through
        The last session date (daily) or bar end (hourly) covered.
    updated
        When the file was written.
    """

    provider: str
    symbol: str
    interval: str
    frame: pd.DataFrame
    basis: Basis
    start: pd.Timestamp
    through: pd.Timestamp
    updated: pd.Timestamp


class SeriesCache:
    """Read and write :class:`CacheEntry` files under ``root``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, provider: str, symbol: str, interval: str) -> Path:
        """The file of one series."""
        return self.root / provider / interval / f"{symbol}.parquet"

    def read(self, provider: str, symbol: str, interval: str) -> CacheEntry | None:
        """The cached series, or None when there is none.

        Raises
        ------
        DataError
            The file exists but cannot be read (it names the file and how to rebuild it).
        """
        path = self.path(provider, symbol, interval)
        if not path.exists():
            return None
        import pyarrow as pa  # on use: a run that never touches the cache does not load Arrow
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {})[META_KEY])
            frame = table.to_pandas()
        except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
            raise DataError(
                f"cache file {path} cannot be read ({exc}); delete it and run "
                f"tradewind data fetch {symbol} to fetch the series again",
                symbol=symbol,
            ) from None
        return CacheEntry(
            provider,
            symbol,
            interval,
            frame[list(RAW_COLUMNS)].astype(float),
            meta["basis"],
            pd.Timestamp(meta["start"]),
            pd.Timestamp(meta["through"]),
            pd.Timestamp(meta["updated"]),
        )

    def write(self, entry: CacheEntry) -> Path:
        """Store ``entry`` atomically (see the module docstring)."""
        import pyarrow as pa  # on use (see :meth:`read`)
        import pyarrow.parquet as pq

        path = self.path(entry.provider, entry.symbol, entry.interval)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = entry.frame[list(RAW_COLUMNS)].astype(float)
        frame.index.name = "session" if entry.interval == "1d" else "timestamp"
        table = pa.Table.from_pandas(frame, preserve_index=True)
        meta = {
            "basis": entry.basis,
            "start": entry.start.isoformat(),
            "through": entry.through.isoformat(),
            "updated": entry.updated.isoformat(),
        }
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), META_KEY: json.dumps(meta).encode()}
        )
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
        return path

    def entries(self) -> list[tuple[str, str, str]]:
        """Every cached series as ``(provider, interval, symbol)``, sorted."""
        if not self.root.is_dir():
            return []
        out = []
        for path in self.root.glob("*/*/*.parquet"):
            out.append((path.parent.parent.name, path.parent.name, path.stem))
        return sorted(out)
