"""Market data a sweep ships to its workers once: the histories its trials can ask for, in memory.

A worker that built its own provider would load the bundled files (or your CSVs) and the NYSE
calendar again for every backtest, and on another machine it may not even have the files. The
sweep instead reads, on the machine that starts it, the full history of every symbol any trial
trades, the benchmark and the VIX series (already stamped at each session's close, so the
calendar's work is done), and sends this snapshot to each worker once. The snapshot serves them
through the same :class:`~tradewind.data.history.HistoryProvider` code, with the source's
data-check thresholds, so a backtest on it equals a backtest on the source, bar for bar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from tradewind.data.history import HistoryProvider, window
from tradewind.domain.errors import DataError, MissingDataError
from tradewind.domain.market import MarketData, TimeLike, VixSeries


class SnapshotData(HistoryProvider):
    """In-memory copies of a provider's histories, served like the provider served them.

    Parameters
    ----------
    source
        The provider the histories came from (its name, interval, benchmark symbol and
        data-check thresholds are kept).
    histories
        Full, unchecked OHLCV history per symbol (``source.history(symbol)``).
    derived
        Symbols whose open/high/low are derived from closes.
    missing
        Symbols the source could not serve, with its message (raised again when asked for).
    vix
        The source's whole VIX series, or None with ``vix_error`` when it has none.
    """

    def __init__(
        self,
        source: HistoryProvider,
        histories: Mapping[str, pd.DataFrame],
        derived: frozenset[str],
        missing: Mapping[str, str],
        vix: VixSeries | None,
        vix_error: str = "",
    ) -> None:
        super().__init__(
            max_move=source.max_move, stale_bars=source.stale_bars, max_age=source.max_age
        )
        self.name = source.name
        self.interval = source.interval
        self.benchmark_symbol = source.benchmark_symbol
        self._histories = dict(histories)
        self._derived = derived
        self._missing = dict(missing)
        self._vix = vix
        self._vix_error = vix_error

    def available_symbols(self) -> list[str]:
        """The symbols held in the snapshot."""
        return list(self._histories)

    def history(self, symbol: str) -> pd.DataFrame:
        """The full history of ``symbol`` as the source gave it."""
        frame = self._histories.get(symbol)
        if frame is None:
            reason = self._missing.get(symbol, "not in this sweep's data snapshot")
            raise MissingDataError(reason, symbol=symbol)
        return frame

    def is_derived(self, symbol: str) -> bool:
        """True where the source derived open/high/low from closes."""
        return symbol in self._derived

    def benchmark(self, start: TimeLike | None = None, end: TimeLike | None = None) -> pd.Series:
        """Checked closes of the source's benchmark (``MissingDataError`` if it had none)."""
        if self.benchmark_symbol not in self._histories:
            raise MissingDataError(
                self._missing.get(self.benchmark_symbol, f"the {self.name} source had no benchmark")
            )
        return super().benchmark(start, end)

    def vix(self, start: TimeLike | None = None, end: TimeLike | None = None) -> VixSeries:
        """The source's VIX within ``[start, end]``, each row flagged as the source flagged it."""
        if self._vix is None:
            raise MissingDataError(self._vix_error or "no VIX in the snapshot", symbol="VIX")
        values = window(self._vix.values.to_frame(), start, end).iloc[:, 0]
        if values.empty:
            raise MissingDataError("no VIX values in the requested window", symbol="VIX")
        flags = self._vix.row_flags().reindex(values.index)
        return VixSeries.from_flags(values, flags, self._vix.source)


def snapshot(provider: MarketData, symbols: Iterable[str]) -> MarketData:
    """A picklable in-memory copy of what ``provider`` serves for ``symbols`` (plus benchmark, VIX).

    A provider that does not hold its histories in memory (a live source) is returned as it is:
    each worker then asks it directly.
    """
    if not isinstance(provider, HistoryProvider):
        return provider
    wanted = dict.fromkeys([*symbols, provider.benchmark_symbol])
    histories: dict[str, pd.DataFrame] = {}
    missing: dict[str, str] = {}
    for symbol in wanted:
        try:
            histories[symbol] = provider.history(symbol)
        except DataError as exc:
            missing[symbol] = str(exc)
    derived = frozenset(s for s in histories if provider.is_derived(s))
    try:
        vix: VixSeries | None = provider.vix(None, None)
        error = ""
    except DataError as exc:
        vix, error = None, str(exc)
    return SnapshotData(provider, histories, derived, missing, vix, error)
