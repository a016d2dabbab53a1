"""The ``synthetic`` provider: a seeded regime-switching market served like real data.

The model is described in :mod:`tradewind.data.synthetic_model`; the parameters and shocks in
:mod:`tradewind.data.scenario`. Any well-formed ticker can be requested, configured or not: a
symbol's path depends only on the seed and its name, so adding symbols never changes others.
The index ``SP500`` is served as a close-only symbol (derived OHLC) and as the benchmark.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from tradewind.calendar import MarketCalendar
from tradewind.data.checks import DEFAULT_MAX_AGE, DEFAULT_MAX_MOVE, DEFAULT_STALE_BARS
from tradewind.data.history import HistoryProvider, ohlc_from_closes, window
from tradewind.data.scenario import RegimeParams, Shock
from tradewind.data.synthetic_model import (
    INDEX_NAME,
    MarketPath,
    SyntheticMarket,
    generate_market,
)
from tradewind.domain.errors import ConfigError, MissingDataError
from tradewind.domain.market import TimeLike, VixSeries
from tradewind.domain.types import Interval

if TYPE_CHECKING:
    from tradewind.config import TradewindConfig

__all__ = ["INDEX_NAME", "SyntheticData", "SyntheticMarket", "generate_market"]


class SyntheticData(HistoryProvider):
    """Serve a generated market through the ``MarketData`` protocol.

    Parameters
    ----------
    symbols
        The configured symbols (what :meth:`available_symbols` lists besides ``SP500``);
        ``SP500`` among them is served as the index, not generated as a stock.
    seed, start, end, interval, params, shocks, calendar
        As for :func:`~tradewind.data.synthetic_model.generate_market`.
    max_move, stale_bars, max_age
        Data-check thresholds (see :class:`~tradewind.data.history.HistoryProvider`).
    """

    name = "synthetic"

    def __init__(
        self,
        symbols: Sequence[str],
        *,
        seed: int = 7,
        start: date = date(2010, 1, 4),
        end: date = date(2022, 12, 30),
        interval: Interval = Interval.DAILY,
        params: RegimeParams | None = None,
        shocks: Iterable[Shock] = (),
        calendar: MarketCalendar | None = None,
        max_move: float = DEFAULT_MAX_MOVE,
        stale_bars: int | None = DEFAULT_STALE_BARS,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        super().__init__(max_move=max_move, stale_bars=stale_bars, max_age=max_age)
        self.interval = Interval(interval)
        self.path = MarketPath(
            seed=seed,
            start=start,
            end=end,
            interval=self.interval,
            params=params,
            shocks=shocks,
            calendar=calendar,
        )
        self.symbols = [s for s in dict.fromkeys(symbols) if s != INDEX_NAME]
        self._market = self.path.market(self.symbols)
        self._frames: dict[str, pd.DataFrame] = dict(self._market.bars.frames)
        self._frames[INDEX_NAME] = ohlc_from_closes(self._market.index)

    @classmethod
    def from_config(cls, cfg: TradewindConfig) -> SyntheticData:
        """The provider for ``cfg.data.synthetic`` and ``cfg.trading.symbols``.

        Raises
        ------
        ConfigError
            The benchmark or VIX setting cannot be served, or the dates are out of range.
        """
        data, syn = cfg.data, cfg.data.synthetic
        problems = []
        if data.benchmark != INDEX_NAME:
            problems.append(
                f"data.benchmark '{data.benchmark}' is not served by the synthetic source; "
                f"use {INDEX_NAME}"
            )
        if data.vix not in (None, "VIX"):
            problems.append(
                f"data.vix '{data.vix}' is not served by the synthetic source; leave it empty"
            )
        if problems:
            raise ConfigError(problems)
        try:
            return cls(
                cfg.trading.symbols,
                seed=syn.seed,
                start=syn.start,
                end=syn.end,
                interval=Interval(syn.interval),
                max_move=data.max_daily_move,
                stale_bars=data.stale_bars,
                max_age=timedelta(days=data.stale_after_days),
            )
        except ValueError as exc:
            raise ConfigError(f"data.synthetic: {exc}") from exc

    @property
    def market(self) -> SyntheticMarket:
        """The generated market of the configured symbols, with its true regimes."""
        return self._market

    def available_symbols(self) -> list[str]:
        """The configured symbols and ``SP500`` (any other well-formed ticker also works)."""
        return [*self.symbols, INDEX_NAME]

    def history(self, symbol: str) -> pd.DataFrame:
        """The full generated history of ``symbol`` (generated on first request)."""
        if symbol not in self._frames:
            try:
                self._frames[symbol] = self.path.frame(symbol)
            except ValueError as exc:
                raise MissingDataError(str(exc), symbol=symbol) from None
        return self._frames[symbol]

    def is_derived(self, symbol: str) -> bool:
        """True for the close-only index ``SP500``."""
        return symbol == INDEX_NAME

    def regimes(self, start: TimeLike | None = None, end: TimeLike | None = None) -> pd.Series:
        """The true regime of every bar within ``[start, end]``."""
        return window(self._market.regimes.to_frame(), start, end).iloc[:, 0]

    def vix(self, start: TimeLike | None = None, end: TimeLike | None = None) -> VixSeries:
        """The synthetic VIX within ``[start, end]`` (observed, never a proxy)."""
        values = window(self._market.vix.values.to_frame(), start, end).iloc[:, 0]
        if values.empty:
            raise MissingDataError("no VIX values in the requested window", symbol="VIX")
        return VixSeries(values, is_proxy=False, source="synthetic")
