"""Which file holds which symbol: the listing behind the ``files`` provider.

A folder is listed once. A file is a long table when its header has a symbol column
(``Symbol``, ``Ticker`` or ``data.files.symbol_column``); it is then read at once to learn its
symbols. Any other ``.csv``/``.csv.gz``/``.parquet``/``.pq`` file holds the symbol it is named
after (``AAPL.csv``; ``^VIX.csv`` is ``VIX``). A symbol found in two files, a long-table row
without a symbol, and an unreadable header are reported, never skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tradewind.data.files.errors import MissingFileError, Problem, problem
from tradewind.data.files.reader import Table, file_kind, match_columns, read_header, read_table
from tradewind.data.files.reader import stem as file_stem

SERIES_NAME = re.compile(r"^[A-Z0-9][A-Z0-9._\-]{0,29}$")
"""A file name or long-table cell that names a series (a superset of ticker symbols)."""


@dataclass(frozen=True)
class Entry:
    """Where one symbol's rows live: a whole file, or some rows of a long table."""

    symbol: str
    path: Path
    display: str
    rows: npt.NDArray[np.intp] | None = None


def symbol_from_name(name: str) -> str | None:
    """The symbol a file name or cell stands for (upper case, no ``^``), or None if not one.

    Besides tickers (``AAPL``, ``BRK.B``) this accepts series names such as ``SP500_OHLCV``;
    only tickers can be listed in ``trading.symbols``.
    """
    symbol = name.strip().upper().removeprefix("^")
    return symbol if SERIES_NAME.match(symbol) else None


@dataclass
class FileIndex:
    """The symbols under ``root`` (a folder or one file) and the file holding each.

    Attributes
    ----------
    entries
        Symbol -> where its rows are.
    discovery
        Problems found while listing (ignored names, unreadable headers, unreadable tables).
    """

    root: Path
    symbol_column: str | None = None
    entries: dict[str, Entry] = field(default_factory=dict)
    discovery: list[Problem] = field(default_factory=list)
    _tables: dict[Path, tuple[Table | None, list[Problem]]] = field(default_factory=dict)
    _conflicts: dict[str, list[Problem]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.root.exists():
            raise MissingFileError(
                str(self.root),
                None,
                "does not exist",
                "give the folder or file holding your prices (data.path or --data)",
            )
        if self.root.is_file():
            if file_kind(self.root) is None:
                self.discovery.append(
                    problem(
                        "error",
                        "layout",
                        "is neither CSV nor Parquet",
                        "name it .csv, .csv.gz, .parquet or .pq",
                        file=str(self.root),
                    )
                )
            else:
                self.add_file(self.root)
            return
        for path in sorted(p for p in self.root.iterdir() if p.is_file()):
            if file_kind(path) is not None:
                self.add_file(path)

    @property
    def folder(self) -> Path:
        """The folder searched (the root itself, or the folder of a single file)."""
        return self.root if self.root.is_dir() else self.root.parent

    def file_problems(self, entry: Entry) -> list[Problem]:
        """Problems of ``entry``'s whole file, and of its symbol being in two files."""
        _, problems = self.table(entry.path)
        return [*problems, *self._conflicts.get(entry.symbol, [])]

    def table(self, path: Path) -> tuple[Table | None, list[Problem]]:
        """The cells of ``path`` (read once), or the problems that stop reading it."""
        if path not in self._tables:
            table, problems = read_table(path, str(path))
            if table is not None and table.cells.empty:
                problems.append(
                    problem("error", "layout", "has no data rows", "add rows", file=table.file)
                )
                table = None
            self._tables[path] = (table, problems)
        return self._tables[path]

    def add_file(self, path: Path) -> Entry | None:
        """List ``path``: its symbol's entry, or None (a long table, or an ignored file)."""
        display = str(path)
        try:
            header = read_header(path)
        except (OSError, ValueError, UnicodeError) as exc:
            header = []
            self.discovery.append(
                problem("warning", "layout", f"header cannot be read ({exc})", file=display)
            )
        columns, _ = match_columns(header, display, self.symbol_column)
        if "symbol" in columns:
            self._add_long_table(path, columns["symbol"])
            return None
        symbol = symbol_from_name(file_stem(path))
        if symbol is None:
            self.discovery.append(
                problem(
                    "warning",
                    "ignored_file",
                    "ignored: the file name is not a ticker and it has no Symbol column",
                    "name the file after its symbol, e.g. AAPL.csv",
                    file=display,
                )
            )
            return None
        return self._register(Entry(symbol, path, display))

    def resolve(self, name: str, key: str) -> str:
        """The symbol for a ``data.benchmark`` / ``data.vix`` setting (a symbol or a file).

        Raises
        ------
        MissingFileError
            The setting is a path and no such file exists.
        """
        path = Path(name)
        if file_kind(path) is None and len(path.parts) == 1:
            return name
        for candidate in (path, self.folder / path):
            if candidate.is_file():
                entry = self.add_file(candidate)
                if entry is not None:
                    return entry.symbol
        raise MissingFileError(
            name, None, f"{key} names a file that does not exist", "give an existing file path"
        )

    def _add_long_table(self, path: Path, column: str) -> None:
        table, problems = self.table(path)
        if table is None:
            self.discovery.extend(problems)
            return
        raw = table.cells[column].astype(object).astype(str)
        symbols = raw.map(lambda s: symbol_from_name(s) or "")
        bad = (symbols == "").to_numpy()
        if bad.any():
            problems.append(
                problem(
                    "error",
                    "layout",
                    f"{column} {str(raw[bad].iloc[0])!r} is empty or not a ticker",
                    "write an upper-case ticker such as AAPL on every row",
                    file=table.file,
                    rows=table.lines[bad].tolist(),
                    row_label=table.row_label,
                )
            )
        good = symbols[~bad]
        for symbol, labels in good.groupby(good).groups.items():
            # cells have a RangeIndex, so the labels are row positions in the table
            rows = np.asarray(labels, dtype=np.intp)
            self._register(Entry(str(symbol), path, table.file, rows))

    def _register(self, entry: Entry) -> Entry:
        earlier = self.entries.get(entry.symbol)
        if earlier is not None and earlier.path != entry.path:
            self._conflicts.setdefault(entry.symbol, []).append(
                problem(
                    "error",
                    "layout",
                    f"{entry.symbol} is also in {earlier.display}",
                    "keep each symbol in one file",
                    file=entry.display,
                    symbol=entry.symbol,
                )
            )
            return earlier
        self.entries[entry.symbol] = entry
        return entry
