"""Real daily market data shipped inside installed packages, loaded without any network access.

Series served (daily bars at NYSE session closes):

===================  ======================  ==========  =====================================
symbol(s)            source                  span        notes
===================  ======================  ==========  =====================================
20 stocks (AAPL ...  ``skfolio.datasets.``   1990-01-02  adjusted closes only; open/high/low
XOM)                 ``load_sp500_dataset``  2022-12-28  derived, volume NaN
``SP500``            ``load_sp500_index``    same        S&P 500 index closes; the benchmark
``SP500_OHLCV``      ``arch.data.sp500``     1999-01-04  real OHLCV of the S&P 500 index
``NASDAQ_OHLCV``     ``arch.data.nasdaq``    2018-12-31  real OHLCV of the NASDAQ Composite
===================  ======================  ==========  =====================================

VIX comes from ``arch.data.vix`` (2014-01-03 to 2019-01-03). That file lists every weekday; on
the 46 weekdays that were not NYSE sessions (holidays, 2018-12-05) it holds no value. Those rows
carry no data, so they are dropped (quietly: they are the file's layout, not a problem); a
non-session row holding a value would be kept, stamped 16:00 New York time, with a warning. Outside
that span :meth:`BundledData.vix` serves a proxy (``is_proxy=True``): the annualized 21-session
realized volatility of ``SP500`` log returns, times 100, times the constant that makes its mean
equal the VIX mean over the sessions both cover (1.27: implied volatility usually exceeds
realized). The first 21 sessions of 1990 have no proxy value (NaN).

Caveats:

* Prefer the stock prices from 2000 onward (skfolio's advice): earlier prices are rounded to
  three decimals, so cheap stocks move in coarse steps. RRC in 1990-1992 has 17 runs of 10 or
  more identical closes (up to 69). The bundled provider applies the same stale-run check as
  every other source (``data.stale_bars``, 10 by default), so a window over those runs is
  refused here exactly as it is when the same prices are read back from exported files; set
  ``data.stale_bars: null`` to use them. Every series passes every other check over its whole
  span with the default thresholds (largest move: RRC -66.7% on 1990-04-10, within the 75%
  limit), and passes the stale-run check too from 1993 on.
* ``SP500_OHLCV`` and ``SP500`` are the same index (closes agree to 1e-7) from two packages.
* With ``adjust=True`` the arch OHLC are scaled by ``Adj Close / Close``; for these price
  indices the ratio is exactly 1, so the adjustment changes nothing.
"""

from __future__ import annotations

import gzip
import importlib.util
import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tradewind.calendar import EASTERN, nyse
from tradewind.data.checks import DEFAULT_MAX_AGE, DEFAULT_MAX_MOVE, DEFAULT_STALE_BARS
from tradewind.data.history import HistoryProvider, make_frame, ohlc_from_closes, window
from tradewind.domain.errors import ConfigError, MissingDataError
from tradewind.domain.market import BarSet, TimeLike, VixSeries
from tradewind.domain.types import Interval

if TYPE_CHECKING:
    from tradewind.config import TradewindConfig

log = logging.getLogger(__name__)

INDEX_SYMBOL = "SP500"
ARCH_SERIES: dict[str, str] = {"SP500_OHLCV": "sp500", "NASDAQ_OHLCV": "nasdaq"}
"""Bundled OHLCV symbol -> module name under ``arch.data``."""

PROXY_WINDOW = 21
TRADING_DAYS = 252
VIX_SOURCE = "CBOE VIX via arch.data.vix"
PROXY_SOURCE = "proxy: 21-session realized vol of SP500 x 100, scaled to the VIX mean"


class BundledData(HistoryProvider):
    """Offline historical data from skfolio and arch (see the module docstring for the series).

    Parameters
    ----------
    adjust
        Scale the arch OHLC by ``Adj Close / Close`` (a no-op for the bundled indices).
    benchmark
        Symbol whose closes :meth:`benchmark` serves.
    max_move, stale_bars, max_age
        Data-check thresholds (see :class:`~tradewind.data.history.HistoryProvider`), the same
        as every provider's; :meth:`from_config` takes them from ``data``.
    """

    name = "bundled"

    def __init__(
        self,
        *,
        adjust: bool = True,
        benchmark: str = INDEX_SYMBOL,
        max_move: float = DEFAULT_MAX_MOVE,
        stale_bars: int | None = DEFAULT_STALE_BARS,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        super().__init__(max_move=max_move, stale_bars=stale_bars, max_age=max_age)
        if benchmark not in bundled_symbols():
            raise MissingDataError(
                f"benchmark is not bundled; choose one of {', '.join(bundled_symbols())}",
                symbol=benchmark,
            )
        self.adjust = adjust
        self.benchmark_symbol = benchmark

    @classmethod
    def from_config(cls, cfg: TradewindConfig) -> BundledData:
        """The provider for ``cfg.data``.

        The trading universe is not checked here: :meth:`bars` names the bundled symbols when
        asked for another one.

        Raises
        ------
        ConfigError
            The benchmark or the VIX setting cannot be served by the bundled data.
        """
        data, available = cfg.data, bundled_symbols()
        problems = []
        if data.benchmark not in available:
            problems.append(f"data.benchmark '{data.benchmark}' is not bundled; use {INDEX_SYMBOL}")
        if data.vix not in (None, "VIX"):
            problems.append(
                f"data.vix '{data.vix}' is not served by the bundled source; leave it empty"
            )
        if problems:
            raise ConfigError(problems)
        return cls(
            adjust=data.adjust,
            benchmark=data.benchmark,
            max_move=data.max_daily_move,
            stale_bars=data.stale_bars,
            max_age=timedelta(days=data.stale_after_days),
        )

    def available_symbols(self) -> list[str]:
        """The 20 skfolio stocks, ``SP500``, ``SP500_OHLCV`` and ``NASDAQ_OHLCV``."""
        return bundled_symbols()

    def bars(
        self,
        symbols: Sequence[str],
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        interval: Interval = Interval.DAILY,
    ) -> BarSet:
        """As :meth:`HistoryProvider.bars`; symbols the bundled data lacks are refused all at
        once, with the fix, before anything is read."""
        known = set(bundled_symbols())
        missing = [s for s in symbols if s not in known]
        if missing:
            raise MissingDataError(
                f"not in the bundled data (20 S&P 500 stocks and indices, 1990-2022): trade "
                f"bundled symbols (available: {', '.join(bundled_symbols())}), or set "
                "data.source: synthetic (a made-up market for any symbol), files (your prices, "
                "data.path) or yfinance (real prices, fetched)",
                symbol=", ".join(missing),
            )
        return super().bars(symbols, start, end, interval)

    def history(self, symbol: str) -> pd.DataFrame:
        """The full daily history of ``symbol``, unchecked."""
        if symbol in ARCH_SERIES:
            return _arch_frame(symbol, self.adjust)
        if symbol == INDEX_SYMBOL or symbol in stock_symbols():
            return _skfolio_frame(symbol)
        raise MissingDataError(
            f"not bundled; available: {', '.join(bundled_symbols())}", symbol=symbol
        )

    def is_derived(self, symbol: str) -> bool:
        """True for the close-only skfolio series (the stocks and ``SP500``)."""
        return symbol not in ARCH_SERIES

    def vix(self, start: TimeLike | None = None, end: TimeLike | None = None) -> VixSeries:
        """VIX within ``[start, end]``: observed 2014-2019, the realized-vol proxy elsewhere.

        ``is_proxy`` is True when any returned value is a proxy; NaN marks no value (holidays
        in the VIX file, the proxy's first 21 sessions).
        """
        values, proxy = _vix_combined()
        values = window(values.to_frame(), start, end).iloc[:, 0]
        if values.empty:
            raise MissingDataError("no VIX values in the requested window", symbol="VIX")
        real = values.index[~proxy.reindex(values.index, fill_value=False).to_numpy(dtype=bool)]
        if len(real) == 0:
            return VixSeries(values, is_proxy=True, source=f"{PROXY_SOURCE} ({_scale():.3f})")
        span = f"{real[0].date()}..{real[-1].date()}"
        return VixSeries.from_flags(
            values, proxy, VIX_SOURCE, f"{VIX_SOURCE} {span}; elsewhere {PROXY_SOURCE}"
        )

    def vix_is_proxy(self, start: TimeLike | None = None, end: TimeLike | None = None) -> pd.Series:
        """Per timestamp of :meth:`vix`, True where the value is the proxy, not observed."""
        _, proxy = _vix_combined()
        return window(proxy.to_frame(), start, end).iloc[:, 0].rename("vix_is_proxy")


def bundled_symbols() -> list[str]:
    """Every bundled symbol: the 20 stocks, ``SP500``, ``SP500_OHLCV`` and ``NASDAQ_OHLCV``."""
    return [*stock_symbols(), INDEX_SYMBOL, *ARCH_SERIES]


def clear_caches() -> None:
    """Forget every loaded dataset, so the next read loads it again (for tests)."""
    for cached in (_skfolio_closes, _skfolio_frame, _arch_frame, _vix_observed, _realized_vol):
        cached.cache_clear()
    for derived in (_scale, _vix_combined, stock_symbols):
        derived.cache_clear()


@lru_cache(maxsize=1)
def stock_symbols() -> tuple[str, ...]:
    """The 20 stocks of the skfolio S&P 500 dataset."""
    return tuple(str(c) for c in _skfolio_closes().columns if c != INDEX_SYMBOL)


def stamp(dates: pd.DatetimeIndex, dataset: str) -> pd.DatetimeIndex:
    """Daily dates as bar-end timestamps (UTC): the session close, 13:00 ET on early closes.

    Dates that are not NYSE sessions are stamped 16:00 New York time and logged as a warning.
    """
    days = pd.DatetimeIndex(dates).normalize()
    cal = nyse()
    sessions = cal.sessions(days.min(), days.max())
    off = ~days.isin(sessions)
    stamps = pd.Series(pd.NaT, index=days, dtype="datetime64[ns, UTC]")
    stamps[~off] = cal.session_closes(days[~off]).as_unit("ns")
    if off.any():
        extra = days[off]
        log.warning(
            "%s: %d date(s) are not NYSE sessions (first %s); stamped 16:00 New York time",
            dataset,
            len(extra),
            ", ".join(d.date().isoformat() for d in extra[:5]),
        )
        stamps[off] = (extra + pd.Timedelta(hours=16)).tz_localize(EASTERN).tz_convert("UTC")
    return pd.DatetimeIndex(stamps, name="timestamp")


@lru_cache(maxsize=1)
def _skfolio_closes() -> pd.DataFrame:
    prices = _skfolio_csv("sp500_dataset").join(_skfolio_csv("sp500_index"), how="outer")
    prices.index = stamp(pd.DatetimeIndex(prices.index), "skfolio sp500")
    return prices.astype(float)


@cache
def _skfolio_frame(symbol: str) -> pd.DataFrame:
    return ohlc_from_closes(_skfolio_closes()[symbol].dropna())


@cache
def _arch_frame(symbol: str, adjust: bool) -> pd.DataFrame:
    raw = _arch_csv(ARCH_SERIES[symbol])
    factor = (raw["Adj Close"] / raw["Close"]).to_numpy() if adjust else 1.0
    return make_frame(
        stamp(pd.DatetimeIndex(raw.index), f"arch {ARCH_SERIES[symbol]}"),
        raw["Open"].to_numpy() * factor,
        raw["High"].to_numpy() * factor,
        raw["Low"].to_numpy() * factor,
        raw["Close"].to_numpy() * factor,
        raw["Volume"].to_numpy(dtype=float),
    )


@lru_cache(maxsize=1)
def _vix_observed() -> pd.Series:
    raw = _arch_csv("vix")["vix"].astype(float)
    days = pd.DatetimeIndex(raw.index).normalize()
    sessions = nyse().sessions(days.min(), days.max())
    empty = raw.isna().to_numpy() & ~days.isin(sessions)  # weekday rows of closed days: no data
    if empty.any():
        log.debug("arch vix: %d empty non-session row(s) dropped", int(empty.sum()))
    raw = raw[~empty]
    return pd.Series(raw.to_numpy(), index=stamp(pd.DatetimeIndex(raw.index), "arch vix"))


def _skfolio_csv(name: str) -> pd.DataFrame:
    """One of the data files ``skfolio`` ships (``skfolio/datasets/data/<name>.csv.gz``), read
    as ``skfolio.datasets.load_<name>()`` reads it.

    Importing ``skfolio.datasets`` would import all of ``skfolio`` with scikit-learn and plotly
    (2-3 s and about 200 MiB, most of a replay's memory); the file is found without running it.
    """
    spec = importlib.util.find_spec("skfolio")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDataError("the 'skfolio' package is not installed; pip install skfolio")
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    with gzip.open(folder / f"{name}.csv.gz", mode="rt", encoding="utf-8") as fh:
        data = pd.read_csv(fh, sep=",", index_col=0)
    data.index = pd.to_datetime(data.index, format="%Y-%m-%d")
    return data


def _arch_csv(name: str) -> pd.DataFrame:
    """One of the data files ``arch`` ships (``arch/data/<name>/<name>.csv.gz``), read directly.

    Importing ``arch.data.<name>`` would import all of ``arch`` (1.5-3 s: its models); the
    file is the same one ``arch.data.<name>.load()`` reads, found without running ``arch``.
    """
    spec = importlib.util.find_spec("arch")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDataError("the 'arch' package is not installed; pip install arch")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name / f"{name}.csv.gz"
    data = pd.read_csv(path)
    data["Date"] = pd.to_datetime(data["Date"])
    data = data.set_index("Date")
    numeric: pd.DataFrame = data.apply(pd.to_numeric, errors="coerce")
    return numeric


@lru_cache(maxsize=1)
def _realized_vol() -> pd.Series:
    closes = _skfolio_closes()[INDEX_SYMBOL].dropna()
    returns = np.log(closes).diff()
    vol: pd.Series = returns.rolling(PROXY_WINDOW).std() * np.sqrt(TRADING_DAYS) * 100.0
    return vol


@lru_cache(maxsize=1)
def _scale() -> float:
    """Mean observed VIX over mean realized vol, on the sessions where both exist."""
    both = pd.concat([_vix_observed(), _realized_vol()], axis=1, join="inner").dropna()
    return float(both.iloc[:, 0].mean() / both.iloc[:, 1].mean())


@lru_cache(maxsize=1)
def _vix_combined() -> tuple[pd.Series, pd.Series]:
    """All VIX values (observed inside its span, proxy outside) and a proxy flag per stamp."""
    observed = _vix_observed()
    proxy = _realized_vol() * _scale()
    first, last = observed.index[0], observed.index[-1]
    outside = proxy[(proxy.index < first) | (proxy.index > last)]
    values = pd.concat([outside, observed]).sort_index().rename("vix")
    values.index.name = "timestamp"
    is_proxy = pd.Series((values.index < first) | (values.index > last), index=values.index)
    is_proxy.index.name = "timestamp"
    return values, is_proxy
