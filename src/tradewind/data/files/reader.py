"""Read one symbol's bars (or a VIX series) from a CSV or Parquet table, collecting every problem.

What a table may look like:

* Columns are matched case-insensitively, ignoring spaces and punctuation, through
  :data:`ALIASES` (``Date``/``timestamp``, ``Open`` ... ``Volume``, ``Adj Close``/``adj_close``/
  ``Adj.Close``, ``Close/Last``, ``Price``); other columns are ignored. A UTF-8 byte-order mark
  is removed. A leading ``$`` on numbers is accepted.
* Dates are ISO (``2024-01-02``) or one consistent other layout (``01/02/2024`` is month/day).
  Daily bars are stamped at the NYSE session close of their date (13:00 New York on early
  closes; 16:00 New York on dates that are not sessions, with a warning); a time written next
  to a daily date is replaced by that close. Several rows on one date make intraday bars: their
  times are bar *ends*, in New York time unless they carry an offset (``Z``, ``-05:00``); only
  hourly bars are supported.
* ``Open``/``High``/``Low`` all present: observed OHLC. None of them, or all three empty on
  every row (a close-only symbol in a long table with OHLC columns): close-only, OHLC derived
  from closes and the symbol marked derived. A volume cell may be empty (unknown).
* With ``Close`` and ``Adj Close`` and ``adjust`` on, open/high/low/close are multiplied by
  ``Adj Close / Close`` so splits and dividends do not look like crashes. With only
  ``Adj Close``, it is the close.

Rows may come in any order (they are sorted, with a warning). Nothing is dropped or filled: a
bad cell is an error naming its line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.data.files.dates import parse_stamps
from tradewind.data.files.errors import Problem, Reporter, problem
from tradewind.data.history import make_frame, ohlc_from_closes
from tradewind.domain.arrays import BoolArray, FloatArray, IntArray
from tradewind.domain.types import Interval

ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": ("date", "datetime", "timestamp", "time", "day", "tradedate", "dt"),
    "open": ("open", "openprice"),
    "high": ("high", "highprice", "hi"),
    "low": ("low", "lowprice", "lo"),
    "close": ("close", "closeprice", "closelast", "last", "price"),
    "adj_close": ("adjclose", "adjustedclose", "adjcloseprice", "closeadj", "adjclosing"),
    "volume": ("volume", "vol", "volumes"),
    "symbol": ("symbol", "ticker", "sym"),
    "value": ("vix", "value", "level"),
    "is_proxy": ("isproxy", "vixisproxy", "proxy"),
}
"""Field -> accepted header spellings, lower-case with spaces and punctuation removed."""

EMPTY = frozenset({"", "nan", "na", "n/a", "null", "none", "-"})
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class Table:
    """The cells of one file, with the line (CSV) or row (Parquet) number of each row."""

    file: str
    cells: pd.DataFrame
    lines: IntArray
    row_label: str

    def take(self, rows: npt.NDArray[np.intp]) -> Table:
        """The rows at positions ``rows`` (one symbol of a long table)."""
        cells = self.cells.iloc[rows].reset_index(drop=True)
        return Table(self.file, cells, self.lines[rows], self.row_label)


@dataclass
class Parsed:
    """One symbol's bars read from a table, or the problems that stop it.

    ``frame`` is None when any problem is an error. ``lines`` gives the file line of each row of
    ``frame`` (after sorting).
    """

    symbol: str
    file: str
    row_label: str
    frame: pd.DataFrame | None = None
    derived: bool = False
    interval: Interval = Interval.DAILY
    lines: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    adjustment: str = ""
    problems: list[Problem] = field(default_factory=list)


def normalize(name: object) -> str:
    """A header as matched against :data:`ALIASES`: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", str(name).replace("\ufeff", "").lower())


def file_kind(path: Path) -> str | None:
    """``csv``, ``parquet`` or None, from the file name."""
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None


def stem(path: Path) -> str:
    """The file name without its data suffix (``AAPL.csv.gz`` -> ``AAPL``)."""
    name = path.name
    for suffix in (*CSV_SUFFIXES, *PARQUET_SUFFIXES):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def read_header(path: Path) -> list[str]:
    """The column names of a file, read without loading its rows."""
    if file_kind(path) == "parquet":
        import pyarrow.parquet as pq

        return [str(n) for n in pq.read_schema(path).names]
    frame = pd.read_csv(path, nrows=0, sep=_separator(path), encoding="utf-8-sig")
    return [str(c) for c in frame.columns]


def read_table(path: Path, display: str) -> tuple[Table | None, list[Problem]]:
    """Every cell of ``path`` (CSV cells as text), or the problem that stops reading it."""
    try:
        if file_kind(path) == "parquet":
            cells = pd.read_parquet(path)
            lines = np.arange(1, len(cells) + 1, dtype=np.int64)
            return Table(display, cells.reset_index(drop=True), lines, "row"), []
        cells = _read_csv(path)
    except (OSError, ValueError, UnicodeError, ImportError) as exc:
        fix = "save it as UTF-8 CSV (comma-separated, one header line) or as Parquet"
        return None, [problem("error", "layout", f"cannot be read ({exc})", fix, file=display)]
    # Line 1 is the header; blank lines are kept as empty rows so numbering matches an editor.
    lines = np.arange(2, len(cells) + 2, dtype=np.int64)
    blank = (cells == "").all(axis=1).to_numpy()
    return Table(display, cells.loc[~blank].reset_index(drop=True), lines[~blank], "line"), []


def _read_csv(path: Path) -> pd.DataFrame:
    options = {
        "sep": _separator(path),
        "dtype": str,
        "keep_default_na": False,
        "na_filter": False,
        "skip_blank_lines": False,
    }
    try:
        return pd.read_csv(path, encoding="utf-8-sig", **options)  # type: ignore[call-overload, no-any-return]
    except UnicodeDecodeError:
        return pd.read_csv(path, encoding="cp1252", **options)  # type: ignore[call-overload, no-any-return]


def _separator(path: Path) -> str:
    """``,`` unless the header line uses ``;`` or tabs instead."""
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    for sep in (",", ";", "\t"):
        if sep in head:
            return sep
    return ","


def match_columns(
    columns: Sequence[object], file: str, symbol_column: str | None = None
) -> tuple[dict[str, str], list[Problem]]:
    """Map each field of :data:`ALIASES` to the file's column, or report an ambiguity."""
    found: dict[str, list[str]] = {}
    for col in columns:
        key = normalize(col)
        if symbol_column is not None and key == normalize(symbol_column):
            found.setdefault("symbol", []).append(str(col))
            continue
        for name, spellings in ALIASES.items():
            if key in spellings and not (name == "symbol" and symbol_column is not None):
                found.setdefault(name, []).append(str(col))
    problems = [
        problem(
            "error",
            "layout",
            f"columns {', '.join(repr(c) for c in cols)} all mean {name!r}",
            "keep one of them, or rename the others",
            file=file,
        )
        for name, cols in found.items()
        if len(cols) > 1
    ]
    return {name: cols[0] for name, cols in found.items()}, problems


def parse_prices(
    table: Table,
    columns: dict[str, str],
    symbol: str,
    *,
    adjust: bool = True,
) -> Parsed:
    """One symbol's bars from ``table``, or the problems that stop them."""
    cells, lines = table.cells, table.lines
    out = Parsed(symbol, table.file, table.row_label)
    report = Reporter(out)
    columns = _without_empty_ohlc(cells, columns, report)
    _require_columns(columns, report)
    if report.failed:
        return out
    stamps = parse_stamps(cells[columns["timestamp"]], lines, report)
    values: dict[str, FloatArray] = {
        name: _parse_numbers(cells[columns[name]], lines, name, report, required=name != "volume")
        for name in ("open", "high", "low", "close", "adj_close", "volume")
        if name in columns
    }
    _check_prices(values, lines, report)
    if report.failed or stamps is None:
        return out
    index, interval = stamps
    order = np.argsort(index.asi8, kind="stable")
    if (np.diff(index.asi8) < 0).any():
        newest_first = bool((np.diff(index.asi8) <= 0).all())
        how = "newest first" if newest_first else "not in date order"
        report.add("warning", "unsorted", f"rows are {how}; they were sorted oldest first", "", [])
    index, lines = index[order], lines[order]
    values = {name: v[order] for name, v in values.items()}
    out.frame, out.derived = _build_frame(index, values, columns, adjust, out)
    out.interval, out.lines = interval, lines
    return out


def _without_empty_ohlc(
    cells: pd.DataFrame, columns: dict[str, str], report: Reporter
) -> dict[str, str]:
    """``columns`` without Open/High/Low when all three are empty on every row (a close-only
    symbol in a long table that has OHLC columns for others): read as close-only, noted."""
    ohlc = ("open", "high", "low")
    if not all(c in columns for c in ohlc) or not all(
        _empty(cells[columns[c]]).all() for c in ohlc
    ):
        return columns
    report.add(
        "note",
        "close_only",
        "Open, High and Low are empty on every row: read as close-only "
        "(open/high/low derived from closes, marked derived)",
        "",
        [],
    )
    return {k: v for k, v in columns.items() if k not in ohlc}


def _empty(cells: pd.Series) -> BoolArray:
    """True where a cell is empty, NaN or one of :data:`EMPTY`."""
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        nan: BoolArray = np.isnan(cells.to_numpy(dtype=float, na_value=np.nan))
        return nan
    text = cells.astype(object).where(cells.notna(), "").astype(str).str.strip()
    empty: BoolArray = text.str.removeprefix("$").str.lower().isin(EMPTY).to_numpy(dtype=bool)
    return empty


def _require_columns(columns: dict[str, str], report: Reporter) -> None:
    aliases = "Date, date, Datetime or Timestamp"
    if "timestamp" not in columns:
        report.add(
            "error",
            "missing_column",
            "no date column",
            f"name the date column one of {aliases}",
            [],
        )
    if "close" not in columns and "adj_close" not in columns:
        report.add(
            "error",
            "missing_column",
            "no close column",
            "name the closing price column Close (or Adj Close, Close/Last, Price)",
            [],
        )
    ohlc = [c for c in ("open", "high", "low") if c in columns]
    if ohlc and len(ohlc) < 3:
        missing = [c.title() for c in ("open", "high", "low") if c not in columns]
        report.add(
            "error",
            "missing_column",
            f"has {', '.join(c.title() for c in ohlc)} but no {', '.join(missing)}",
            "give all of Open, High and Low, or none of them (close-only)",
            [],
        )


def _parse_numbers(
    cells: pd.Series, lines: IntArray, name: str, report: Reporter, *, required: bool
) -> FloatArray:
    """Floats of one column; reports text that is not a number, and empty required cells."""
    empty = _empty(cells)
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        values = cells.to_numpy(dtype=float, na_value=np.nan)
        text_bad = np.zeros(len(values), dtype=bool)
    else:
        text = cells.astype(object).where(cells.notna(), "").astype(str).str.strip()
        text = text.str.removeprefix("$")
        values = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=float)
        text_bad = np.isnan(values) & ~empty
    label = "Adj Close" if name == "adj_close" else name.title()
    if text_bad.any():
        first = str(cells.iloc[int(np.argmax(text_bad))])
        report.add(
            "error",
            "non_numeric",
            f"{label} is not a number ({first!r})",
            "write plain numbers with a dot for decimals and no thousands separators",
            lines[text_bad],
        )
    if required and empty.any():
        report.add(
            "error",
            "missing_price",
            f"{label} is empty or NaN",
            "fill in the price from another source, or delete the row (gaps are warnings)",
            lines[empty],
        )
    return values


def _check_prices(values: dict[str, FloatArray], lines: IntArray, report: Reporter) -> None:
    prices = [n for n in ("open", "high", "low", "close", "adj_close") if n in values]
    for name in prices:
        bad = values[name] <= 0
        if bad.any():
            label = "Adj Close" if name == "adj_close" else name.title()
            report.add(
                "error",
                "non_positive",
                f"{label} is zero or negative ({values[name][bad][0]:g})",
                "correct the price; prices must be positive",
                lines[bad],
            )
    if "volume" in values:
        bad = values["volume"] < 0
        if bad.any():
            report.add("error", "ohlc", "Volume is negative", "volumes are 0 or more", lines[bad])
    if "high" not in values or "close" not in values:
        return
    o, h, lo, c = (values[n] for n in ("open", "high", "low", "close"))
    checks = (
        (h < lo, "High is below Low"),
        ((c < lo) | (c > h), "Close is outside [Low, High]"),
        ((o < lo) | (o > h), "Open is outside [Low, High]"),
    )
    for bad, what in checks:
        if bad.any():
            report.add(
                "error",
                "ohlc",
                what,
                "correct the row (columns swapped? prices from different dates?)",
                lines[bad],
            )


def _build_frame(
    index: pd.DatetimeIndex,
    values: dict[str, FloatArray],
    columns: dict[str, str],
    adjust: bool,
    out: Parsed,
) -> tuple[pd.DataFrame, bool]:
    volume = values.get("volume", np.full(len(index), np.nan))
    if "close" not in values:
        close, factor = values["adj_close"], None
        out.adjustment = f"close taken from {columns['adj_close']!r} (no Close column)"
    elif "adj_close" in values and adjust:
        close, factor = values["close"], values["adj_close"] / values["close"]
        changed = int((factor != 1.0).sum())
        out.adjustment = (
            f"OHLC scaled by {columns['adj_close']!r} / {columns['close']!r} (data.adjust: true); "
            f"{changed} of {len(factor)} rows changed"
            + (f", factor {factor.min():.4g} to {factor.max():.4g}" if changed else "")
        )
    else:
        close, factor = values["close"], None
        if "adj_close" in values:
            out.adjustment = f"{columns['adj_close']!r} ignored (data.adjust: false)"
    scale = np.ones(len(index)) if factor is None else factor
    if "open" not in values:
        frame = ohlc_from_closes(pd.Series(close * scale, index=index))
        frame["volume"] = volume
        return frame, True
    frame = make_frame(
        index,
        values["open"] * scale,
        values["high"] * scale,
        values["low"] * scale,
        close * scale,
        volume,
    )
    return frame, False


def parse_vix(table: Table, columns: dict[str, str], symbol: str = "VIX") -> Parsed:
    """A VIX series from ``table``: columns ``vix`` (levels, NaN kept) and ``is_proxy``.

    The level is the ``Close`` column, else ``Adj Close``, else ``VIX``/``Value``. Empty cells
    stay NaN (warned); an ``is_proxy`` column (true/false) marks rows that are a proxy.
    """
    out = Parsed(symbol, table.file, table.row_label)
    report = Reporter(out)
    name = next((n for n in ("close", "adj_close", "value") if n in columns), None)
    if "timestamp" not in columns or name is None:
        missing = "date" if "timestamp" not in columns else "level"
        report.add(
            "error",
            "missing_column",
            f"no {missing} column in the VIX file",
            "give a Date column and the VIX level as Close (or VIX)",
            [],
        )
        return out
    stamps = parse_stamps(table.cells[columns["timestamp"]], table.lines, report)
    levels = _parse_numbers(table.cells[columns[name]], table.lines, name, report, required=False)
    flags = _parse_flags(table, columns.get("is_proxy"), report)
    if report.failed or stamps is None:
        return out
    index, interval = stamps
    order = np.argsort(index.asi8, kind="stable")
    if (np.diff(index.asi8) < 0).any():
        report.add("warning", "unsorted", "rows are not oldest first; they were sorted", "", [])
    lines = table.lines[order]
    levels, flags = levels[order], flags[order]
    bad = levels <= 0
    if bad.any():
        report.add(
            "error",
            "non_positive",
            "VIX level is zero or negative",
            "correct the level",
            lines[bad],
        )
        return out
    empty = np.isnan(levels)
    if empty.any():
        report.add(
            "warning",
            "missing_price",
            "VIX level is empty; kept as NaN (the regime detector uses its proxy there)",
            "",
            lines[empty],
        )
    ts = pd.DatetimeIndex(index[order], name="timestamp")
    out.frame = pd.DataFrame({"vix": levels, "is_proxy": flags}, index=ts)
    out.interval, out.lines = interval, lines
    return out


def _parse_flags(table: Table, column: str | None, report: Reporter) -> BoolArray:
    if column is None:
        return np.zeros(len(table.cells), dtype=bool)
    text = table.cells[column].astype(object).astype(str).str.strip().str.lower()
    truth = text.isin(("true", "1", "yes", "y", "1.0")).to_numpy()
    bad = ~(truth | text.isin(("false", "0", "no", "n", "0.0", "")).to_numpy())
    if bad.any():
        report.add(
            "error",
            "non_numeric",
            f"is_proxy is neither true nor false ({text[bad].iloc[0]!r})",
            "write true or false",
            table.lines[bad],
        )
    return truth
