"""The ``files`` provider: the user's own CSV and Parquet price files, served like bundled data.

``data.path`` (or ``--data``) names either

* a folder with one file per symbol, named after it: ``AAPL.csv``, ``MSFT.parquet``,
  ``BRK.B.csv``, ``SPY.csv.gz`` (a leading ``^`` as in ``^VIX.csv`` is dropped; files whose
  name is not a ticker are listed as ignored); a file in it with a ``Symbol``/``Ticker``
  column is a long table holding several symbols;
* or one file: a long table, or a single symbol named by the file.

How each file is read is described in :mod:`tradewind.data.files.reader`; the whole-history
checks in :mod:`tradewind.data.files.checks`; the problems and errors in
:mod:`tradewind.data.files.errors`.

The benchmark is the symbol ``data.benchmark`` (e.g. ``SPY`` for ``SPY.csv``) or a file path.
VIX is ``data.vix`` (a symbol or a path); when ``data.vix`` is empty a ``VIX`` file is used if
the folder has one. Without VIX, :meth:`FilesData.vix` serves the regime detector's documented
proxy (:func:`tradewind.domain.vixproxy.vix_proxy` of the benchmark's closes), flagged ``is_proxy``.

:meth:`FilesData.from_config` reads and checks every configured symbol, the benchmark and VIX
before returning, so a malformed file stops a command before any computation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tradewind.data.checks import DEFAULT_MAX_AGE
from tradewind.data.files.checks import Coverage, Limits, check_history
from tradewind.data.files.errors import (
    FileFormatError,
    MissingFileError,
    Problem,
    problem,
    raise_first,
)
from tradewind.data.files.index import Entry, FileIndex
from tradewind.data.files.reader import Parsed, match_columns, parse_prices, parse_vix
from tradewind.data.history import HistoryProvider, window
from tradewind.domain.errors import ConfigError, MissingDataError
from tradewind.domain.market import BarSet, TimeLike, VixSeries, to_utc
from tradewind.domain.types import EXCHANGE_TZ, Interval
from tradewind.domain.vixproxy import vix_proxy

if TYPE_CHECKING:
    from tradewind.config import TradewindConfig

log = logging.getLogger("tradewind.data.files")

PROXY_SOURCE = "proxy: tradewind.domain.vixproxy.vix_proxy of the benchmark closes (no VIX file)"


@dataclass
class SymbolReport:
    """One symbol as read and checked: its bars (None on error), coverage and every problem."""

    parsed: Parsed
    coverage: Coverage | None

    @property
    def symbol(self) -> str:
        return self.parsed.symbol

    @property
    def file(self) -> str:
        return self.parsed.file

    @property
    def frame(self) -> pd.DataFrame | None:
        return self.parsed.frame

    @property
    def problems(self) -> list[Problem]:
        return self.parsed.problems

    @property
    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(p.severity == "error" for p in self.problems)


class FilesData(HistoryProvider):
    """Serve CSV / Parquet price files through the ``MarketData`` protocol.

    Parameters
    ----------
    path
        A folder of per-symbol files or long tables, or one file.
    benchmark
        Symbol (or file path) of the benchmark series.
    vix
        Symbol or file path of the VIX series; None uses a ``VIX`` file if there is one, else
        the flagged proxy.
    adjust
        Scale OHLC by ``Adj Close / Close`` where a file has both columns.
    symbol_column
        Column of a long table that holds the ticker (default: ``Symbol`` or ``Ticker``).
    limits
        Thresholds of the whole-history checks; ``max_move`` and ``stale_bars`` also apply to
        every window :meth:`bars` serves.
    max_age
        Oldest last bar :meth:`latest_prices` accepts.
    today
        The date the age of a file's last bar is measured at (default: now).
    """

    name = "files"

    def __init__(
        self,
        path: str | Path,
        *,
        benchmark: str = "SP500",
        vix: str | None = None,
        adjust: bool = True,
        symbol_column: str | None = None,
        limits: Limits | None = None,
        max_age: timedelta = DEFAULT_MAX_AGE,
        today: TimeLike | None = None,
    ) -> None:
        self.limits = limits or Limits()
        super().__init__(
            max_move=self.limits.max_move, stale_bars=self.limits.stale_bars, max_age=max_age
        )
        self.index = FileIndex(Path(path), symbol_column)
        self.root, self.folder = self.index.root, self.index.folder
        self.adjust = adjust
        self.symbol_column = symbol_column
        self.today = pd.Timestamp.now(tz="UTC") if today is None else to_utc(today)
        self._notes: list[str] = []
        self.warnings: list[str] = []
        """Warnings about the files read so far, one line each."""
        self.log_warnings = True
        """Also log each warning (turned off by commands that print a full report)."""
        self._old: dict[str, pd.Timestamp] = {}
        self._reports: dict[str, SymbolReport] = {}
        self._interval: Interval | None = None
        self.benchmark_symbol = self.index.resolve(benchmark, "data.benchmark")
        self.vix_symbol: str | None
        if vix is None:
            self.vix_symbol = "VIX" if "VIX" in self.index.entries else None
        else:
            self.vix_symbol = self.index.resolve(vix, "data.vix")

    @classmethod
    def from_config(
        cls, cfg: TradewindConfig, *, strict: bool = True, lookback: bool | None = None
    ) -> FilesData:
        """The provider for ``cfg.data``, after reading and checking what the config needs.

        With ``strict`` (the default) every symbol of ``trading.symbols``, the benchmark and VIX
        are read and checked now, with at least ``portfolio_optimization.lookback_days + 1``
        sessions each. ``strict=False`` (inspection commands) checks files when asked for, and
        checks history length only with ``lookback=True``.

        Raises
        ------
        ConfigError
            ``data.path`` is not set.
        FileFormatError
            A file is missing or malformed (the first error; the message counts the others).
        """
        data, files = cfg.data, cfg.data.files
        if not data.path:
            raise ConfigError(
                "data.path is required when data.source is 'files'; give a file or a folder "
                "(or pass --data PATH)"
            )
        limits = Limits(
            max_move=data.max_daily_move,
            stale_bars=data.stale_bars,
            max_gap_sessions=files.max_gap_sessions,
            warn_age=timedelta(days=data.stale_after_days),
            max_last_age=(
                None if files.max_last_age_days is None else timedelta(files.max_last_age_days)
            ),
            lookback_days=(
                cfg.portfolio_optimization.lookback_days
                if (strict if lookback is None else lookback)
                else None
            ),
        )
        provider = cls(
            data.path,
            benchmark=data.benchmark,
            vix=data.vix,
            adjust=data.adjust,
            symbol_column=files.symbol_column,
            limits=limits,
            max_age=timedelta(days=data.stale_after_days),
        )
        if strict:
            provider.require(cfg.trading.symbols)
        return provider

    @property
    def discovery(self) -> list[Problem]:
        """Problems found while listing the files (ignored names, unreadable headers)."""
        return self.index.discovery

    # --- reading and checking ------------------------------------------------------------
    def report(self, symbol: str) -> SymbolReport:
        """``symbol`` read and checked (cached): its bars, coverage and every problem found."""
        cached = self._reports.get(symbol)
        if cached is not None:
            return cached
        entry = self.index.entries.get(symbol)
        if entry is None:
            parsed = Parsed(symbol, str(self.root), "line")
            parsed.problems.append(self._no_file(symbol))
            result = SymbolReport(parsed, None)
        else:
            result = self._read(entry)
        self._reports[symbol] = result
        self._remember(result)
        return result

    def _read(self, entry: Entry) -> SymbolReport:
        table, _ = self.index.table(entry.path)
        parsed = Parsed(entry.symbol, entry.display, "line")
        early = self.index.file_problems(entry)
        if table is not None:
            if entry.rows is not None:
                table = table.take(entry.rows)
            columns, ambiguous = match_columns(
                list(table.cells.columns), table.file, self.symbol_column
            )
            early += ambiguous
            if not any(p.severity == "error" for p in early):
                if entry.symbol == self.vix_symbol:
                    parsed = parse_vix(table, columns, entry.symbol)
                else:
                    parsed = parse_prices(table, columns, entry.symbol, adjust=self.adjust)
        is_vix = entry.symbol == self.vix_symbol
        coverage = check_history(parsed, self.limits, self.today, prices=not is_vix)
        if entry.rows is not None:  # one symbol's rows of a long table: say which symbol
            parsed.problems = [
                replace(p, message=f"{entry.symbol} rows: {p.message}") for p in parsed.problems
            ]
        parsed.problems[:0] = early
        return SymbolReport(parsed, coverage)

    def _no_file(self, symbol: str) -> Problem:
        where = f"in {self.folder}" if self.root.is_dir() else f"in {self.root}"
        return problem(
            "error",
            "no_file",
            f"no file for {symbol} {where}",
            f"add {symbol}.csv or {symbol}.parquet (or {symbol} rows to a long table), "
            f"or remove {symbol} from the configuration",
            file=str(self.root),
            symbol=symbol,
        )

    def _remember(self, result: SymbolReport) -> None:
        if result.parsed.adjustment:
            note = f"{result.file}: {result.parsed.adjustment}"
            self._notes.append(note)
            log.info("%s", note)
        for p in result.problems:
            if p.severity != "warning":
                continue
            self.warnings.append(str(p))
            if p.kind == "stale" and not p.rows and result.frame is not None:
                self._old[result.symbol] = result.frame.index[-1]
                log.info("%s", p)
            elif self.log_warnings:
                log.warning("%s", p)

    @property
    def notes(self) -> list[str]:
        """What was done to the files read so far (adjustments, old data), one line each.

        Shown by the CLI; warnings are logged and listed in :attr:`warnings` instead.
        """
        out = list(self._notes)
        if self._old:
            latest = max(self._old.values()).tz_convert(EXCHANGE_TZ).date()
            out.append(
                f"{len(self._old)} series end more than {self.limits.warn_age.days} days ago "
                f"(latest last bar {latest}): fine for backtests and replays, not for trading"
            )
        return out

    def require(self, symbols: Sequence[str]) -> None:
        """Read and check ``symbols``, the benchmark and VIX; raise the first error found.

        Raises
        ------
        FileFormatError
            A file is missing or malformed, or the files mix daily and hourly bars.
        """
        wanted = list(dict.fromkeys([*symbols, self.benchmark_symbol]))
        missing = [s for s in wanted if s not in self.index.entries]
        if len(missing) > 1:
            first = self._no_file(missing[0])
            raise MissingFileError(
                first.file,
                None,
                f"no file for {', '.join(missing)} in {self.folder}",
                "add a file per symbol (e.g. "
                f"{missing[0]}.csv), or remove them from trading.symbols / data.benchmark",
            )
        reports = [self.report(s) for s in wanted]
        raise_first([p for r in reports for p in r.problems])
        vix = self.vix_report()
        if vix is not None:
            raise_first(vix.problems)
        for r in reports:
            self._set_interval(r)

    def _set_interval(self, result: SymbolReport) -> None:
        interval = result.parsed.interval
        if self._interval is None:
            self._interval = self.interval = interval
        elif interval is not self._interval:
            raise FileFormatError(
                result.file,
                None,
                f"holds {interval.value} bars but other files hold {self._interval.value} bars",
                "keep daily and hourly files in separate folders",
                symbol=result.symbol,
            )

    # --- HistoryProvider ------------------------------------------------------------------
    def available_symbols(self) -> list[str]:
        """Every symbol with a file (VIX excluded), in alphabetical order."""
        return sorted(s for s in self.index.entries if s != self.vix_symbol)

    def history(self, symbol: str) -> pd.DataFrame:
        """The full history of ``symbol`` as read; raises its file's first error."""
        result = self.report(symbol)
        raise_first(result.problems)
        self._set_interval(result)
        frame = result.frame
        if frame is None:  # pragma: no cover - a report without bars always holds an error
            raise MissingDataError("no bars read", symbol=symbol)
        return frame

    def is_derived(self, symbol: str) -> bool:
        """True if ``symbol``'s file is close-only (open/high/low derived)."""
        return self.report(symbol).parsed.derived

    def bars(
        self,
        symbols: Sequence[str],
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        interval: Interval = Interval.DAILY,
    ) -> BarSet:
        """Checked bars, as :meth:`HistoryProvider.bars`, after reading the files asked for."""
        for symbol in symbols:
            self.history(symbol)
        return super().bars(symbols, start, end, interval)

    # --- VIX ------------------------------------------------------------------------------
    def vix_report(self) -> SymbolReport | None:
        """The VIX file read and checked, or None when there is none (the proxy is served)."""
        return None if self.vix_symbol is None else self.report(self.vix_symbol)

    def vix(self, start: TimeLike | None = None, end: TimeLike | None = None) -> VixSeries:
        """VIX levels within ``[start, end]`` from the VIX file, or the flagged proxy.

        ``is_proxy`` is True when no VIX file is configured, or when a row in the window is
        flagged in the file's ``is_proxy`` column (as :func:`export` writes for proxy rows);
        ``proxy_mask`` then says which rows, exactly as the bundled source does.
        """
        values, flags, source = self._vix_frame()
        values = window(values.to_frame(), start, end).iloc[:, 0]
        if values.empty:
            raise MissingDataError("no VIX values in the requested window", symbol="VIX")
        return VixSeries.from_flags(values, flags, source)

    def vix_is_proxy(self, start: TimeLike | None = None, end: TimeLike | None = None) -> pd.Series:
        """Per timestamp of :meth:`vix`, True where the value is a proxy, not observed."""
        _, flags, _ = self._vix_frame()
        return window(flags.to_frame(), start, end).iloc[:, 0].rename("vix_is_proxy")

    def _vix_frame(self) -> tuple[pd.Series, pd.Series, str]:
        result = self.vix_report()
        if result is None:
            closes = self.history(self.benchmark_symbol)["close"]
            values = vix_proxy(np.log(closes).diff()).rename("vix")
            flags = pd.Series(True, index=values.index, name="is_proxy")
            return values, flags, f"{PROXY_SOURCE.replace('the benchmark', self.benchmark_symbol)}"
        raise_first(result.problems)
        frame = result.frame
        if frame is None:  # pragma: no cover - a report without bars always holds an error
            raise MissingDataError("no VIX values read", symbol="VIX")
        flagged = " (rows flagged is_proxy are a proxy)" if frame["is_proxy"].any() else ""
        return frame["vix"], frame["is_proxy"], f"file {result.file}{flagged}"
