"""Problems found in users' price files, and the errors they raise.

Every problem names the file, the line (CSV, counting the header as line 1) or row (Parquet,
1-based), what is wrong and how to fix it. Reading a file collects *all* its problems (for
``tradewind data import``); a provider raises the first error as one of these types, each also a
subclass of the matching :mod:`tradewind.domain.errors` type so existing handlers still apply::

    DataError
    └── FileFormatError            layout: unreadable file, empty table, ambiguous columns
        ├── MissingColumnError         no date column, no close, partial OHLC
        ├── DateParseError             a date that cannot be read, dates outside the calendar
        ├── DuplicateDateError         (also DuplicateTimestampError)
        ├── MissingPriceError          empty or NaN price (also NaNPriceError)
        ├── NonNumericError            text where a number belongs (also BadPriceError)
        ├── NonPositivePriceError      price <= 0 (also BadPriceError)
        ├── InconsistentOHLCError      high < low, open/close outside [low, high], volume < 0
        ├── FileJumpError              a move beyond data.max_daily_move (also ImplausibleJumpError)
        ├── MissingFileError           a configured symbol has no file (also MissingDataError)
        ├── ShortHistoryError          fewer bars than lookback_days needs (also MissingDataError)
        ├── CalendarGapError           missing sessions beyond data.files.max_gap_sessions
        └── StaleFileError             last bar older than data.files.max_last_age_days
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from tradewind.domain.errors import (
    BadPriceError,
    DataError,
    DuplicateTimestampError,
    ImplausibleJumpError,
    MissingDataError,
    NaNPriceError,
    StaleDataError,
)

Severity = Literal["error", "warning", "note"]
SHOWN_ROWS = 5
"""How many line numbers a message lists before saying "and N more"."""


class FileFormatError(DataError):
    """A price file cannot be used as it is.

    Parameters
    ----------
    file
        The file concerned (as the user named it).
    row
        The first offending line (CSV) or row (Parquet), or None when the whole file is concerned.
    message
        What is wrong.
    fix
        What to change so the file reads.
    row_label
        ``line`` for CSV, ``row`` for Parquet.
    """

    kind = "layout"

    def __init__(
        self,
        file: str,
        row: int | None,
        message: str,
        fix: str = "",
        *,
        row_label: str = "line",
        symbol: str | None = None,
        when: datetime | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.fix = fix
        self.row_label = row_label
        self.detail = message
        where = file if row is None else f"{file}, {row_label} {row}"
        text = f"{where}: {message}" + (f". Fix: {fix}" if fix else "")
        super().__init__(text, symbol=symbol, when=when)


class MissingColumnError(FileFormatError):
    """A required column (date, close) is absent, or open/high/low are only partly given."""

    kind = "missing_column"


class DateParseError(FileFormatError):
    """A date or time cannot be read, or lies outside the NYSE calendar."""

    kind = "bad_date"


class DuplicateDateError(FileFormatError, DuplicateTimestampError):
    """Two rows carry the same date (or the same time, for intraday bars)."""

    kind = "duplicate_date"


class MissingPriceError(FileFormatError, NaNPriceError):
    """A price cell is empty or NaN."""

    kind = "missing_price"


class NonNumericError(FileFormatError, BadPriceError):
    """A price or volume cell holds text that is not a number."""

    kind = "non_numeric"


class NonPositivePriceError(FileFormatError, BadPriceError):
    """A price is zero or negative."""

    kind = "non_positive"


class InconsistentOHLCError(FileFormatError, BadPriceError):
    """High below low, open or close outside [low, high], or a negative volume."""

    kind = "ohlc"


class FileJumpError(FileFormatError, ImplausibleJumpError):
    """A close-to-close move too large to be real (usually an unadjusted split)."""

    kind = "jump"


class MissingFileError(FileFormatError, MissingDataError):
    """A symbol the configuration needs has no file."""

    kind = "no_file"


class ShortHistoryError(FileFormatError, MissingDataError):
    """A file holds fewer bars than ``portfolio_optimization.lookback_days`` needs."""

    kind = "short_history"


class CalendarGapError(FileFormatError, MissingDataError):
    """A run of missing NYSE sessions longer than ``data.files.max_gap_sessions``."""

    kind = "gap"


class StaleFileError(FileFormatError, StaleDataError):
    """The last bar is older than ``data.files.max_last_age_days``."""

    kind = "stale"


ERROR_TYPES: dict[str, type[FileFormatError]] = {
    cls.kind: cls
    for cls in (
        FileFormatError,
        MissingColumnError,
        DateParseError,
        DuplicateDateError,
        MissingPriceError,
        NonNumericError,
        NonPositivePriceError,
        InconsistentOHLCError,
        FileJumpError,
        MissingFileError,
        ShortHistoryError,
        CalendarGapError,
        StaleFileError,
    )
}


@dataclass(frozen=True)
class Problem:
    """One finding about a file: an error (the file is refused), a warning, or a note.

    Attributes
    ----------
    severity
        ``error`` refuses the file; ``warning`` and ``note`` are reported only.
    kind
        Short code; for errors, a key of :data:`ERROR_TYPES`.
    message
        What was found.
    fix
        What to change (empty for notes).
    file
        The file concerned.
    rows
        The first few offending lines or rows (1-based, as an editor shows them).
    count
        How many lines or rows are affected in all (0: the file as a whole).
    row_label
        ``line`` (CSV) or ``row`` (Parquet).
    symbol
        The symbol concerned, when known.
    """

    severity: Severity
    kind: str
    message: str
    fix: str = ""
    file: str = ""
    rows: tuple[int, ...] = ()
    count: int = 0
    row_label: str = "line"
    symbol: str | None = None

    @property
    def where(self) -> str:
        """``file, line 5`` / ``file, lines 5, 9 and 3 more`` / ``file``."""
        if not self.rows:
            return self.file
        shown = ", ".join(str(r) for r in self.rows)
        more = max(self.count - len(self.rows), 0)
        label = self.row_label if len(self.rows) == 1 and more == 0 else f"{self.row_label}s"
        tail = f" and {more} more" if more > 0 else ""
        return f"{self.file}, {label} {shown}{tail}"

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.file else self.message
        return text + (f". Fix: {self.fix}" if self.fix else "")

    def error(self, others: int = 0) -> FileFormatError:
        """This problem as the matching :class:`FileFormatError` (``others``: more problems)."""
        cls = ERROR_TYPES.get(self.kind, FileFormatError)
        message = self.message
        if self.count > 1:
            message += f" ({self.count} {self.row_label}s in all)"
        fix = self.fix
        if others:
            fix += (
                f" ({others} more problem{'s' if others != 1 else ''} found; "
                "`tradewind data import PATH` lists them all)"
            )
        return cls(
            self.file,
            self.rows[0] if self.rows else None,
            message,
            fix,
            row_label=self.row_label,
            symbol=self.symbol,
        )


def problem(
    severity: Severity,
    kind: str,
    message: str,
    fix: str = "",
    *,
    file: str = "",
    rows: Sequence[int] = (),
    row_label: str = "line",
    symbol: str | None = None,
) -> Problem:
    """A :class:`Problem` listing the first few of ``rows`` and counting them all."""
    return Problem(
        severity,
        kind,
        message,
        fix,
        file,
        tuple(int(r) for r in rows[:SHOWN_ROWS]),
        len(rows),
        row_label,
        symbol,
    )


def raise_first(problems: Sequence[Problem]) -> None:
    """Raise the first error among ``problems`` (mentioning how many more there are)."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise errors[0].error(others=len(errors) - 1)


class Collects(Protocol):
    """Something problems are collected on: a parse result naming its file and symbol."""

    symbol: str
    file: str
    row_label: str
    problems: list[Problem]


class Reporter:
    """Adds problems to one parse result; ``failed`` once any is an error."""

    def __init__(self, out: Collects) -> None:
        self.out = out

    @property
    def failed(self) -> bool:
        """True once an error has been added."""
        return any(p.severity == "error" for p in self.out.problems)

    def add(
        self, severity: Severity, kind: str, message: str, fix: str, lines: Iterable[int]
    ) -> None:
        """Record a problem on ``lines`` (file line or row numbers; empty: the whole file)."""
        self.out.problems.append(
            problem(
                severity,
                kind,
                message,
                fix,
                file=self.out.file,
                rows=[int(x) for x in lines],
                row_label=self.out.row_label,
                symbol=self.out.symbol,
            )
        )
