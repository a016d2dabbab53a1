"""The data checks' and the frames provider's fast paths give what the general code gave: the
previous code is kept verbatim below and both run on generated frames, clean and broken every
way a check looks for (NaN, prices <= 0, high below low, open or close outside the range,
negative volume, duplicate, unsorted and NaT stamps, stale runs, jumps): the same error (type,
message, symbol, stamp) or none, and the same frames, late joiners and bar stamps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.calendar import EASTERN
from tradewind.data.checks import (
    PRICES,
    STALE_FIX,
    _raise_where,
    check_frame,
    check_jumps,
    check_layout,
    describe_runs,
    stale_runs,
)
from tradewind.data.coverage import LateJoiner, late_joiners
from tradewind.data.frames import CLOSE_HOUR, FramesData, bar_stamps
from tradewind.data.history import make_frame
from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.errors import BadPriceError as Bad
from tradewind.domain.errors import (
    DataError,
    DuplicateTimestampError,
    ImplausibleJumpError,
    NaNPriceError,
    StaleDataError,
    UnsortedTimestampError,
)
from tradewind.domain.market import BarSet, TimeLike, to_utc


# --- the previous code (verbatim) -----------------------------------------------------------
def old_check_frame(
    symbol: str, frame: pd.DataFrame, *, max_move: float = 0.75, stale_bars: int | None = 10
) -> None:
    check_layout(symbol, frame)
    old_check_index(symbol, pd.DatetimeIndex(frame.index))
    old_check_prices(symbol, frame)
    (closes,) = old_float_columns(frame, ("close",))
    if stale_bars is not None:
        old_check_stale(symbol, frame.index, closes, stale_bars)
    check_jumps(symbol, frame.index, closes, max_move)


def old_check_index(symbol: str, index: pd.DatetimeIndex) -> None:
    duplicated = index.duplicated()
    if duplicated.any():
        first = _first(index, duplicated)
        raise DuplicateTimestampError(
            f"{int(duplicated.sum())} duplicate timestamp(s), first at {first.isoformat()}",
            symbol=symbol,
            when=first,
        )
    values = index.asi8
    backwards = np.zeros(len(index), dtype=bool)
    backwards[1:] = values[1:] < values[:-1]
    if backwards.any():
        first = _first(index, backwards)
        raise UnsortedTimestampError(
            f"timestamps go backwards at {first.isoformat()}", symbol=symbol, when=first
        )


def old_check_prices(symbol: str, frame: pd.DataFrame) -> None:
    index = frame.index
    o, h, lo, c, volume = old_float_columns(frame, (*PRICES, "volume"))
    nan = np.isnan(o) | np.isnan(h) | np.isnan(lo) | np.isnan(c)
    _raise_where(NaNPriceError, symbol, index, nan, "NaN price")
    non_positive = (o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0)
    _raise_where(Bad, symbol, index, non_positive, "price <= 0")
    _raise_where(Bad, symbol, index, h < lo, "high below low")
    _raise_where(Bad, symbol, index, (c < lo) | (c > h), "close outside [low, high]")
    _raise_where(Bad, symbol, index, (o < lo) | (o > h), "open outside [low, high]")
    _raise_where(Bad, symbol, index, volume < 0, "negative volume")


def old_float_columns(frame: pd.DataFrame, names: Sequence[str]) -> list[FloatArray]:
    columns = list(frame.columns)
    if set(names) <= set(columns):
        try:
            values = frame.to_numpy(dtype=float)
        except (TypeError, ValueError):
            pass  # a column that is not numeric: take them one by one
        else:
            return [values[:, columns.index(name)] for name in names]
    return [frame[name].to_numpy(dtype=float) for name in names]


def old_stale_runs(closes: npt.ArrayLike, stale_bars: int) -> list[tuple[int, int]]:
    if stale_bars < 2:
        raise ValueError(f"stale_bars must be at least 2, was {stale_bars}")
    c = np.asarray(closes, dtype=float)
    if len(c) < stale_bars:
        return []
    changed = np.ones(len(c), dtype=bool)
    changed[1:] = c[1:] != c[:-1]
    starts = np.flatnonzero(changed)
    lengths = np.diff(np.append(starts, len(c)))
    return [(int(a), int(n)) for a, n in zip(starts, lengths, strict=True) if n >= stale_bars]


def old_check_stale(symbol: str, index: pd.Index, closes: npt.ArrayLike, stale_bars: int) -> None:
    runs = old_stale_runs(closes, stale_bars)
    if runs:
        first, _ = runs[0]
        raise StaleDataError(
            f"{describe_runs(index, closes, runs)}; the limit is {stale_bars} bars "
            f"(data.stale_bars). Fix: {STALE_FIX}",
            symbol=symbol,
            when=pd.Timestamp(index[first + stale_bars - 1]),
        )


def _first(index: pd.Index, mask: BoolArray) -> pd.Timestamp:
    return pd.Timestamp(index[int(np.argmax(mask))])


def old_ohlc_from_closes(closes: pd.Series) -> pd.DataFrame:
    close = closes.to_numpy(dtype=float)
    open_ = np.empty_like(close)
    open_[1:] = close[:-1]
    open_[:1] = close[:1]
    return make_frame(
        closes.index,
        open_,
        np.maximum(open_, close),
        np.minimum(open_, close),
        close,
        np.full(len(close), np.nan),
    )


def old_bar_stamps(index: pd.Index) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(f"closes must be indexed by dates or timestamps, not {type(index)}")
    if index.tz is not None:
        return pd.DatetimeIndex(index.tz_convert("UTC").as_unit("ns"), name="timestamp")
    if not (index == index.normalize()).all():
        raise ValueError(
            "a naive index must hold dates (midnight); give tz-aware timestamps for intraday bars"
        )
    local = (index + pd.Timedelta(hours=CLOSE_HOUR)).tz_localize(EASTERN)
    return pd.DatetimeIndex(local.tz_convert("UTC").as_unit("ns"), name="timestamp")


# --- comparing -------------------------------------------------------------------------------
def outcome(check: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...] | None:
    """None if ``check`` passes, else what the user sees of its error."""
    try:
        check(*args, **kwargs)
    except (DataError, ValueError) as err:
        return (type(err), str(err), getattr(err, "symbol", None), getattr(err, "when", None))
    return None


DAY = np.int64(86_400_000_000_000)
BASE = np.int64(pd.Timestamp("2020-01-02 21:00", tz="UTC").value)
BREAKS = [
    "none", "nan", "zero", "negative", "high<low", "close>high", "close<low", "open>high",
    "open<low", "volume<0", "inf", "duplicate", "backwards", "nat", "stale", "jump",
]  # fmt: skip


@st.composite
def frames(draw: st.DrawFn) -> tuple[pd.DataFrame, list[str]]:
    """An OHLCV frame with random prices and a few of the problems the checks look for."""
    n = draw(st.integers(1, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    close = 50.0 * np.exp(np.cumsum(rng.normal(0, 0.05, n)))
    open_ = close * np.exp(rng.normal(0, 0.01, n))
    high = np.maximum(open_, close) * (1 + rng.random(n) * 0.01 * draw(st.sampled_from([0, 1])))
    low = np.minimum(open_, close) * (1 - rng.random(n) * 0.01)
    volume = rng.random(n) * 1e6 if draw(st.booleans()) else np.full(n, np.nan)
    prices = np.array([open_, high, low, close])
    stamps = BASE + DAY * np.arange(n, dtype=np.int64)
    breaks = draw(st.lists(st.sampled_from(BREAKS), max_size=3))
    for b in breaks:
        i, k = draw(st.integers(0, n - 1)), draw(st.integers(0, 3))
        if b in ROW_BREAKS:
            ROW_BREAKS[b](prices, volume, i, k)
        elif b == "stale":
            prices[:, i : i + draw(st.integers(3, 12))] = prices[3, i]  # a flat bar, repeated
        elif b == "jump":
            prices[:, max(i, 1) :] *= draw(st.sampled_from([0.2, 1.8, 3.0]))  # every later bar
        elif b in STAMP_BREAKS and i > 0 and stamps[i - 1] != NAT:
            stamps[i] = STAMP_BREAKS[b](stamps[i - 1])
        elif b == "nat":
            stamps[i] = NAT
    index = pd.DatetimeIndex(stamps.view("M8[ns]")).tz_localize("UTC")
    return make_frame(index, *prices, volume), breaks


NAT = np.iinfo(np.int64).min
STAMP_BREAKS = {
    "duplicate": lambda before: before,
    "backwards": lambda before: before - DAY // 2,
    "nat": lambda _before: NAT,
}


def _set(row: int, factor: float | None = None, value: float | None = None) -> Any:
    """A break that sets one price of bar ``i`` (row ``row``, or the drawn ``k`` if -1)."""

    def apply(prices: FloatArray, volume: FloatArray, i: int, k: int) -> None:
        r = k if row < 0 else row
        prices[r, i] = value if value is not None else prices[r, i] * (factor or 1.0)

    return apply


def _below_low(target: int) -> Any:
    def apply(prices: FloatArray, volume: FloatArray, i: int, k: int) -> None:
        prices[target, i] = prices[2, i] * 0.9

    return apply


def _above_high(target: int) -> Any:
    def apply(prices: FloatArray, volume: FloatArray, i: int, k: int) -> None:
        prices[target, i] = prices[1, i] * 1.1

    return apply


def _negative_volume(prices: FloatArray, volume: FloatArray, i: int, k: int) -> None:
    volume[i] = -5.0


ROW_BREAKS = {
    "nan": _set(-1, value=np.nan),
    "zero": _set(-1, value=0.0),
    "negative": _set(-1, value=-1.0),
    "inf": _set(-1, value=np.inf),
    "high<low": _below_low(1),
    "close<low": _below_low(3),
    "open<low": _below_low(0),
    "close>high": _above_high(3),
    "open>high": _above_high(0),
    "volume<0": _negative_volume,
}


@settings(max_examples=600, deadline=None)
@given(frames(), st.sampled_from([None, 2, 3, 10]), st.sampled_from([0.75, 0.5, 2.0]))
def test_check_frame_rejects_what_it_rejected_with_the_same_error(
    made: tuple[pd.DataFrame, list[str]], stale_bars: int | None, max_move: float
) -> None:
    frame, _ = made
    kw = {"stale_bars": stale_bars, "max_move": max_move}
    assert outcome(check_frame, "SYM", frame, **kw) == outcome(old_check_frame, "SYM", frame, **kw)


def test_the_generated_frames_reach_every_check() -> None:
    seen: set[type] = set()

    @settings(max_examples=400, deadline=None, database=None, derandomize=True)
    @given(frames())
    def collect(made: tuple[pd.DataFrame, list[str]]) -> None:
        got = outcome(check_frame, "SYM", made[0], stale_bars=3)
        seen.add(got[0] if got else type(None))

    collect()
    wanted = {type(None), NaNPriceError, Bad, DuplicateTimestampError, UnsortedTimestampError}
    assert wanted | {StaleDataError, ImplausibleJumpError} <= seen


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([1.0, 2.0, 2.5, np.nan]), max_size=80),
    st.integers(2, 6),
)
def test_stale_runs_are_the_same(closes: list[float], stale_bars: int) -> None:
    got = stale_runs(closes, stale_bars)
    assert got == old_stale_runs(closes, stale_bars)
    assert all(type(a) is int and type(n) is int for a, n in got)


# --- the frames provider ---------------------------------------------------------------------
@st.composite
def wide_closes(draw: st.DrawFn) -> pd.DataFrame:
    """Closes of a few symbols with NaN before a listing, in gaps, after a delisting, or all
    through; sometimes a name given twice."""
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    data = 20.0 * np.exp(np.cumsum(rng.normal(0, 0.02, (n, k)), axis=0))
    for j in range(k):
        for _ in range(draw(st.integers(0, 3))):
            a = draw(st.integers(0, n - 1))
            data[a : a + draw(st.integers(1, n)), j] = np.nan
    names = [f"S{j}" for j in range(k)]
    if k > 1 and draw(st.booleans()):
        names[-1] = names[0]
    days = pd.bdate_range("2019-01-01", periods=n)
    return pd.DataFrame(data, index=days, columns=names)


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_freq=True)
    assert a.index.name == b.index.name and a.columns.dtype == b.columns.dtype


@settings(max_examples=300, deadline=None)
@given(wide_closes())
def test_the_frames_provider_derives_the_same_histories(closes: pd.DataFrame) -> None:
    bench = closes.iloc[:, 0].rename("BENCH")
    if closes.columns.duplicated().any():  # a name given twice: refused when built
        with pytest.raises(ValueError, match=f"{closes.columns[-1]!r} as the name of several"):
            FramesData(closes, benchmark=bench)
        return
    provider = FramesData(closes, benchmark=bench)
    for symbol in [*closes.columns, "BENCH"]:
        wide = provider.closes[symbol] if symbol != "BENCH" else provider._benchmark
        want = old_ohlc_from_closes(wide.dropna())  # type: ignore[union-attr]
        same_frame(provider.history(symbol), want)


def test_a_full_history_shares_the_served_index_and_one_column_index() -> None:
    closes = pd.DataFrame(
        {"A": [1.0, 2.0, 3.0], "B": [np.nan, 2.0, 3.0]},
        index=pd.bdate_range("2020-01-01", periods=3),
    )
    provider = FramesData(closes)
    a, b = provider.history("A"), provider.history("B")
    assert a.index is provider.closes.index and len(b) == 2
    assert a.columns is b.columns  # the data checks' look-ups hash it once


@pytest.mark.parametrize(
    "index",
    [
        pd.DatetimeIndex(["2020-01-01", "1969-12-31", "1900-01-01"]),
        pd.DatetimeIndex(["2020-01-01 00:00:01"]),
        pd.DatetimeIndex(["1969-12-31 12:00"]),
        pd.DatetimeIndex(["2020-01-01", None]),
        pd.DatetimeIndex([]),
        pd.DatetimeIndex(["2020-01-01", "2020-03-09"]).as_unit("s"),
        pd.DatetimeIndex(["2020-01-01 00:00:00.000001"]).as_unit("us"),
        pd.DatetimeIndex(["2020-01-01 00:00:00.000000001"]).as_unit("ns"),
        pd.DatetimeIndex(["1700-01-01", "2200-01-01"]).as_unit("s"),
        pd.DatetimeIndex(["1969-12-31 23:59:59.999"]).as_unit("ms"),
        pd.date_range("2020-01-01", periods=40, freq="D"),
        pd.bdate_range("2021-03-01", periods=30),
        pd.date_range("2020-01-01", periods=3, freq="D", tz="America/New_York"),
    ],
)
def test_bar_stamps_are_the_same(index: pd.DatetimeIndex) -> None:
    got, want = outcome(bar_stamps, index), outcome(old_bar_stamps, index)
    assert got == want
    if got is None:
        a, b = bar_stamps(index), old_bar_stamps(index)
        pd.testing.assert_index_equal(a, b, exact=True)
        assert a.freq == b.freq and a.name == b.name


@settings(max_examples=200, deadline=None)
@given(wide_closes(), st.integers(1, 10), st.integers(0, 39))
def test_late_joiners_are_the_same(closes: pd.DataFrame, rows: int, at: int) -> None:
    closes = closes.loc[:, ~closes.columns.duplicated()].tz_localize("UTC")
    frames = {str(s): old_ohlc_from_closes(closes[s]) for s in closes.columns}  # NaN kept
    bars = BarSet(frames)
    start = closes.index[min(at, len(closes) - 1)]
    assert late_joiners(bars, start, rows) == old_late_joiners(bars, start, rows)


def old_late_joiners(bars: BarSet, start: TimeLike, rows_needed: int) -> list[LateJoiner]:
    begin = to_utc(start)
    indexes = {s: f["close"].dropna().index for s, f in bars.frames.items()}
    firsts = [index[0] for index in indexes.values() if len(index)]
    if not firsts:
        return []
    data_start = min(firsts)
    out: list[LateJoiner] = []
    for symbol, index in indexes.items():
        if len(index) == 0 or index[0] <= data_start:
            continue  # present from the data's first bar: a short warm-up, not a late joiner
        at = rows_needed - 1
        tradable = pd.Timestamp(index[at]) if at < len(index) else None
        if tradable is not None and tradable <= begin:
            continue
        out.append(LateJoiner(symbol, pd.Timestamp(index[0]), tradable, rows_needed, len(index)))
    return out
