"""A seeded, regime-switching synthetic market whose true regimes are known.

The model, per bar of length ``dt`` years (1/252 per daily session; an hourly bar is its share
of the 6.5-hour session):

* **Regimes** switch between sessions as a Markov chain (:class:`~tradewind.data.scenario.
  RegimeParams`); all bars of a session share its regime ``k``.
* **Index** ``SP500`` is the market factor: log return ``drift_k dt + vol_k sqrt(dt) f`` with
  ``f ~ N(0, 1)``, starting at 1000.
* **Stocks** follow a one-factor model. Symbol ``i`` has a volatility multiplier ``m_i``
  (about 1-3) and an idiosyncratic drift ``a_i``; its shock is
  ``z = sqrt(corr_k) f + sqrt(1 - corr_k) e_i`` (pairwise correlation ``corr_k``), and its log
  return ``(beta drift_k + a_i) dt + m_i vol_k sqrt(dt) z`` with ``beta = m_i sqrt(corr_k)``,
  its beta to the index.
* **Bars**: a session's first bar opens with a gap of ``0.3 r + 0.3 s u`` (``r`` the bar's
  log return, ``s`` its standard deviation, ``u ~ N(0, 1)``); later hourly bars open at the
  previous close. High and low extend ``max(open, close)`` and ``min(open, close)`` by
  half-normal amounts of scale ``0.4 s``. Volume is lognormal, proportional to the bar's share
  of the session, the regime's volume multiplier and ``exp(0.5 |z|)`` (busier on big moves).
* **VIX** reverts in AR(1) fashion to the regime's level (half-life ``vix_half_life``
  sessions) with shocks correlated with the index (``vix_market_corr``), floored.

Each symbol draws from its own random stream, seeded by ``(seed, crc32(symbol))``, so a symbol's
path does not depend on which other symbols are generated. Daily bars of early-close sessions
count as full sessions.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.calendar import EASTERN, MarketCalendar, nyse
from tradewind.config.trading import SYMBOL_PATTERN
from tradewind.data.history import make_frame
from tradewind.data.scenario import (
    REGIMES,
    Crash,
    GapDown,
    Halt,
    MissingBars,
    RegimeParams,
    Shock,
)
from tradewind.domain.market import BarSet, VixSeries
from tradewind.domain.types import Interval

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

INDEX_NAME = "SP500"
INDEX_START = 1000.0
TRADING_DAYS = 252
SESSION = pd.Timedelta(hours=6.5)
NYSE_OPEN = pd.Timedelta(hours=9, minutes=30)


@dataclass(frozen=True)
class SyntheticMarket:
    """A generated market and the truth behind it.

    Attributes
    ----------
    bars
        Unchecked OHLCV bars of the requested symbols (shocks applied).
    index
        Closes of the ``SP500`` index (the market factor).
    vix
        The VIX-like series (``is_proxy`` False, source ``synthetic``).
    regimes
        The true :class:`~tradewind.domain.Regime` of every bar.
    params
        The regime parameters used.
    seed
        The seed used.
    shocks
        The shocks applied.
    """

    bars: BarSet
    index: pd.Series
    vix: VixSeries
    regimes: pd.Series
    params: RegimeParams
    seed: int
    shocks: tuple[Shock, ...] = ()


def generate_market(
    symbols: Sequence[str],
    *,
    seed: int = 7,
    start: date = date(2010, 1, 4),
    end: date = date(2022, 12, 30),
    interval: Interval = Interval.DAILY,
    params: RegimeParams | None = None,
    shocks: Iterable[Shock] = (),
    calendar: MarketCalendar | None = None,
) -> SyntheticMarket:
    """Generate a market for ``symbols`` over the NYSE sessions from ``start`` to ``end``.

    Parameters
    ----------
    symbols
        Well-formed tickers (not ``SP500``, the index's name).
    seed
        Seed of every random draw: the same arguments give identical results.
    start, end
        First and last calendar dates (inclusive).
    interval
        Daily bars at session closes, or hourly bars at ``MarketCalendar.hourly_bar_ends``.
    params
        Regime parameters (defaults: :class:`~tradewind.data.scenario.RegimeParams`).
    shocks
        Deterministic edits: gap-downs, crashes, halts, missing bars.
    calendar
        Calendar to take sessions from (default: the shared NYSE calendar); pass a longer
        :class:`~tradewind.calendar.MarketCalendar` for dates past its range.

    Raises
    ------
    ValueError
        A malformed symbol, an empty range, or a shock outside the range or naming a symbol
        not generated.
    """
    path = MarketPath(
        seed=seed,
        start=start,
        end=end,
        interval=interval,
        params=params,
        shocks=shocks,
        calendar=calendar,
    )
    return path.market(symbols)


class MarketPath:
    """The market-wide draws of one seed (sessions, regimes, index, VIX); symbols on demand.

    Parameters are those of :func:`generate_market`.
    """

    def __init__(
        self,
        *,
        seed: int,
        start: date,
        end: date,
        interval: Interval,
        params: RegimeParams | None,
        shocks: Iterable[Shock],
        calendar: MarketCalendar | None,
    ) -> None:
        self.seed = seed
        self.params = params or RegimeParams()
        self.shocks = tuple(shocks)
        self.interval = Interval(interval)
        cal = calendar or nyse()
        self.sessions = _sessions(cal, start, end)
        self.ends, self.session, self.first_bar, self.frac = _bar_grid(
            cal, self.sessions, self.interval
        )
        rng = np.random.default_rng(seed)
        self.codes = _regime_chain(rng, len(self.sessions), self.params)[self.session]
        n = len(self.ends)
        self.factor = rng.standard_normal(n)
        vix_noise = rng.standard_normal(n)
        self.dt = self.frac / TRADING_DAYS
        self.extra = self._crash_returns()
        self.gaps = self._gap_downs()
        spec = self.params.column
        r = spec("drift")[self.codes] * self.dt
        r += spec("vol")[self.codes] * np.sqrt(self.dt) * self.factor + self.extra
        for bar, size, names in self.gaps:
            if names is None:
                r[bar] += np.log1p(-size)
        self.index = INDEX_START * np.exp(np.cumsum(r))
        self.vix = _vix_path(self, vix_noise)

    # --- outputs --------------------------------------------------------------------------
    def market(self, symbols: Sequence[str]) -> SyntheticMarket:
        """The :class:`SyntheticMarket` of ``symbols`` on this path."""
        names = list(dict.fromkeys(symbols))
        for symbol in names:
            _check_name(symbol)
        for shock in self.shocks:
            named = set(shock_symbols(shock))
            if named - set(names):
                raise ValueError(f"{shock} names symbol(s) not generated: {named - set(names)}")
        bars = BarSet({s: self.frame(s) for s in names}, self.interval, frozenset(), "synthetic")
        return SyntheticMarket(
            bars=bars,
            index=self.index_series(),
            vix=VixSeries(self.vix_series(), is_proxy=False, source="synthetic"),
            regimes=self.regime_series(),
            params=self.params,
            seed=self.seed,
            shocks=self.shocks,
        )

    def index_series(self) -> pd.Series:
        """Index closes at bar ends, named ``SP500``."""
        return pd.Series(self.index, index=self.ends, name=INDEX_NAME)

    def vix_series(self) -> pd.Series:
        """VIX-like levels at bar ends."""
        return pd.Series(self.vix, index=self.ends, name="vix")

    def regime_series(self) -> pd.Series:
        """The true regime of every bar (``Regime`` members, object dtype)."""
        labels = np.array(REGIMES, dtype=object)[self.codes]
        return pd.Series(labels, index=self.ends, name="regime", dtype=object)

    def frame(self, symbol: str) -> pd.DataFrame:
        """The OHLCV bars of one symbol on this path, shocks applied."""
        _check_name(symbol)
        rng = np.random.default_rng([self.seed, zlib.crc32(symbol.encode()), 1])
        mult = float(np.clip(np.exp(rng.normal(np.log(2.0), 0.3)), 1.0, 3.0))
        alpha = rng.normal(0.0, 0.04)
        price0 = float(np.exp(rng.normal(np.log(80.0), 0.8)))
        base_volume = float(np.exp(rng.normal(np.log(4e6), 0.8)))
        n = len(self.ends)
        e, u, w = rng.standard_normal((3, n))
        up, down = np.abs(rng.standard_normal((2, n)))

        spec, codes, dt = self.params.column, self.codes, self.dt
        rho = spec("corr")[codes]
        s = mult * spec("vol")[codes] * np.sqrt(dt)
        z = np.sqrt(rho) * self.factor + np.sqrt(1 - rho) * e
        r = (mult * np.sqrt(rho) * spec("drift")[codes] + alpha) * dt + s * z + self.extra
        gap = np.where(self.first_bar, 0.3 * r + 0.3 * s * u, 0.0)
        for bar, size, names in self.gaps:
            if names is None or symbol in names:
                r[bar] += np.log1p(-size)
                gap[bar] = np.log1p(-size)
        close = price0 * np.exp(np.cumsum(r))
        previous = np.concatenate([[price0], close[:-1]])
        open_ = previous * np.exp(gap)
        high = np.maximum(open_, close) * np.exp(0.4 * s * up)
        low = np.minimum(open_, close) * np.exp(-0.4 * s * down)
        volume = np.round(
            base_volume * self.frac * spec("volume")[codes] * np.exp(0.3 * w + 0.5 * np.abs(z))
        )
        keep = self._kept_bars(symbol)
        return make_frame(
            self.ends[keep], open_[keep], high[keep], low[keep], close[keep], volume[keep]
        )

    # --- shocks ---------------------------------------------------------------------------
    def _session_of(self, day: date, what: str) -> int:
        ts = pd.Timestamp(day)
        i = int(self.sessions.searchsorted(ts))
        if i == len(self.sessions) or self.sessions[i] != ts:
            raise ValueError(f"{what}: {day} is not a session in the generated range")
        return i

    def _crash_returns(self) -> Floats:
        extra = np.zeros(len(self.ends))
        session_frac = np.bincount(self.session, weights=self.frac)
        for shock in self.shocks:
            if not isinstance(shock, Crash):
                continue
            first = self._session_of(shock.start, "Crash.start")
            if first + shock.sessions > len(self.sessions):
                raise ValueError(f"{shock} runs past the end of the generated range")
            hit = (self.session >= first) & (self.session < first + shock.sessions)
            per_session = np.log1p(-shock.total) / shock.sessions
            extra[hit] += per_session * self.frac[hit] / session_frac[self.session[hit]]
        return extra

    def _gap_downs(self) -> list[tuple[int, float, tuple[str, ...] | None]]:
        gaps = []
        for shock in self.shocks:
            if isinstance(shock, GapDown):
                session = self._session_of(shock.day, "GapDown.day")
                bar = int(np.argmax(self.session == session))
                gaps.append((bar, shock.size, shock.symbols))
        return gaps

    def _kept_bars(self, symbol: str) -> npt.NDArray[np.bool_]:
        keep = np.ones(len(self.ends), dtype=bool)
        days = self.sessions[self.session]
        for shock in self.shocks:
            if isinstance(shock, Halt) and shock.symbol == symbol:
                halted = (days >= pd.Timestamp(shock.start)) & (days <= pd.Timestamp(shock.end))
                if not halted.any():
                    raise ValueError(f"{shock} covers no session in the generated range")
                keep &= ~np.asarray(halted)
        rng = np.random.default_rng([self.seed, zlib.crc32(symbol.encode()), 2])
        for shock in self.shocks:
            if isinstance(shock, MissingBars) and (
                shock.symbols is None or symbol in shock.symbols
            ):
                candidates = np.flatnonzero(keep)
                if shock.count > len(candidates):
                    raise ValueError(f"{shock} drops more bars than {symbol} has")
                keep[rng.choice(candidates, size=shock.count, replace=False)] = False
        return keep


def shock_symbols(shock: Shock) -> tuple[str, ...]:
    """Symbols a shock names explicitly (empty when it applies to all)."""
    if isinstance(shock, Halt):
        return (shock.symbol,)
    if isinstance(shock, GapDown | MissingBars) and shock.symbols is not None:
        return shock.symbols
    return ()


def _check_name(symbol: str) -> None:
    if symbol == INDEX_NAME:
        raise ValueError(f"{INDEX_NAME} is the index's name; it cannot be a generated stock")
    if not SYMBOL_PATTERN.match(symbol):
        raise ValueError(f"{symbol!r} is not a well-formed ticker such as 'AAPL' or 'BRK.B'")


def _sessions(cal: MarketCalendar, start: date, end: date) -> pd.DatetimeIndex:
    try:
        sessions = cal.sessions(start, end)
    except Exception as exc:  # exchange_calendars raises its own range errors
        raise ValueError(f"sessions from {start} to {end} are outside the calendar: {exc}") from exc
    if len(sessions) == 0:
        raise ValueError(f"no NYSE sessions from {start} to {end}")
    return sessions


def _bar_grid(
    cal: MarketCalendar, sessions: pd.DatetimeIndex, interval: Interval
) -> tuple[pd.DatetimeIndex, Ints, npt.NDArray[np.bool_], Floats]:
    """Bar ends (UTC), each bar's session number, whether it opens the session, its share."""
    closes = pd.DatetimeIndex(cal.session_closes(sessions)).as_unit("ns")
    n = len(sessions)
    if interval is Interval.DAILY:
        ends = closes.rename("timestamp")
        return ends, np.arange(n), np.ones(n, dtype=bool), np.ones(n)
    # XNYS regular sessions all open at 09:30 New York time; closes come from the calendar.
    opens = (sessions + NYSE_OPEN).tz_localize(EASTERN).tz_convert("UTC").as_unit("ns")
    hour = pd.Timedelta(hours=1)
    counts = np.ceil((closes - opens) / hour).astype(np.int64)
    session = np.repeat(np.arange(n), counts)
    k = np.arange(len(session)) - np.repeat(np.cumsum(counts) - counts, counts)
    starts = opens[session] + k * hour
    ends = pd.DatetimeIndex(np.minimum(starts + hour, closes[session]), name="timestamp")
    frac = np.asarray((ends - starts) / SESSION, dtype=float)
    return ends, session, k == 0, frac


def _regime_chain(rng: np.random.Generator, n: int, params: RegimeParams) -> Ints:
    """Regime codes of ``n`` sessions: geometric stays, then a draw from the exit row."""
    stay = params.column("stay")
    exits = params.transition_matrix()
    np.fill_diagonal(exits, 0.0)
    exits /= exits.sum(axis=1, keepdims=True)
    if params.initial is None:
        k = int(rng.choice(len(REGIMES), p=params.long_run()))
    else:
        k = REGIMES.index(params.initial)
    codes = np.empty(n, dtype=np.int64)
    i = 0
    while i < n:
        length = int(rng.geometric(1.0 / stay[k]))
        codes[i : i + length] = k
        i += length
        k = int(rng.choice(len(REGIMES), p=exits[k]))
    return codes


def _vix_path(path: MarketPath, noise: Floats) -> Floats:
    """AR(1) reversion to each bar's regime level, shocks tied to the index, floored."""
    p = path.params
    level = p.column("vix")[path.codes]
    phi = 0.5 ** (path.frac / p.vix_half_life)
    c = p.vix_market_corr
    shock = p.vix_noise * (level / 20.0) * np.sqrt(path.frac)
    shock *= c * path.factor + np.sqrt(1 - c * c) * noise
    out = np.empty(len(level))
    x = float(level[0])
    # A sequential recursion; plain floats keep the loop at ~1 us per bar.
    for t, (lv, ph, sh) in enumerate(
        zip(level.tolist(), phi.tolist(), shock.tolist(), strict=True)
    ):
        x = lv + ph * (x - lv) + sh
        out[t] = x
    return np.maximum(out, p.vix_floor)
