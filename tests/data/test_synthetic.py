"""The synthetic market: deterministic, faithful to its parameters, shocks where asked."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.calendar import MarketCalendar, nyse
from tradewind.config import TradewindConfig
from tradewind.data import (
    Crash,
    GapDown,
    Halt,
    MissingBars,
    RegimeParams,
    SyntheticData,
    SyntheticMarket,
    check_frame,
    generate_market,
)
from tradewind.domain.errors import ConfigError, MissingDataError
from tradewind.domain.types import Interval, Regime

RUNBOOK = ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"]
SHORT = {"start": date(2019, 1, 2), "end": date(2019, 12, 31)}


@pytest.fixture(scope="module")
def long_market() -> SyntheticMarket:
    """About 160 years of daily bars (a calendar longer than the shared one): with regimes that
    last months to years, that many are needed for 30 or more whole spells of every regime."""
    calendar = MarketCalendar("1990-01-02", "2150-12-31")
    return generate_market(
        ["AAA", "BBB", "CCC"],
        seed=11,
        start=date(1990, 1, 2),
        end=date(2149, 12, 31),
        calendar=calendar,
    )


def by_regime(long_market: SyntheticMarket) -> dict[Regime, np.ndarray]:
    log_index = np.log(long_market.index.to_numpy())
    returns = np.diff(np.concatenate([[np.log(1000.0)], log_index]))
    labels = long_market.regimes.to_numpy()
    return {regime: returns[labels == regime] for regime in Regime}


# --- determinism ----------------------------------------------------------------------------
def test_same_seed_gives_identical_markets() -> None:
    a = generate_market(RUNBOOK, seed=3, **SHORT)
    b = generate_market(RUNBOOK, seed=3, **SHORT)

    for symbol in RUNBOOK:
        pd.testing.assert_frame_equal(a.bars[symbol], b.bars[symbol])
    pd.testing.assert_series_equal(a.index, b.index)
    pd.testing.assert_series_equal(a.vix.values, b.vix.values)
    pd.testing.assert_series_equal(a.regimes, b.regimes)


def test_different_seeds_differ() -> None:
    a = generate_market(["AAPL"], seed=3, **SHORT)
    b = generate_market(["AAPL"], seed=4, **SHORT)

    assert not np.allclose(a.bars["AAPL"]["close"], b.bars["AAPL"]["close"])
    assert not np.allclose(a.index, b.index)


def test_a_symbols_path_does_not_depend_on_the_others() -> None:
    alone = generate_market(["AAPL"], seed=5, **SHORT)
    among = generate_market(["TSLA", "AAPL", "MSFT"], seed=5, **SHORT)

    pd.testing.assert_frame_equal(alone.bars["AAPL"], among.bars["AAPL"])


def test_twenty_symbols_thirteen_years_daily_cover_every_session() -> None:
    # its speed is measured by bench/bench_data.py (make bench), not here
    symbols = [f"S{i:02d}" for i in range(20)]
    market = generate_market(symbols, seed=1)
    sessions = len(nyse().sessions("2010-01-04", "2022-12-30"))
    assert all(len(market.bars[s]) == sessions for s in symbols)


# --- statistics against the parameters --------------------------------------------------------
def test_index_mean_and_vol_per_regime_match_the_parameters(
    long_market: SyntheticMarket,
) -> None:
    params = long_market.params
    for regime, r in by_regime(long_market).items():
        spec, n = params.specs[regime], len(r)
        mean, sd = spec.drift / 252, spec.vol / np.sqrt(252)
        assert n > 500, regime
        assert abs(r.mean() - mean) < 4 * sd / np.sqrt(n), regime
        assert abs(r.std(ddof=1) - sd) < 4 * sd / np.sqrt(2 * (n - 1)), regime


def test_stock_correlation_per_regime_matches_the_parameters(
    long_market: SyntheticMarket,
) -> None:
    closes = long_market.bars.closes()
    returns = np.log(closes).diff().iloc[1:]
    labels = long_market.regimes.iloc[1:].to_numpy()
    for regime in Regime:
        rho = long_market.params.specs[regime].corr
        sample = returns[labels == regime]
        se = (1 - rho**2) / np.sqrt(len(sample))
        corr = sample.corr().to_numpy()[np.triu_indices(3, k=1)]
        assert np.all(np.abs(corr - rho) < 4 * se), (regime, corr)


def test_regimes_persist_for_their_expected_stay(long_market: SyntheticMarket) -> None:
    labels = long_market.regimes.to_numpy()
    change = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts, ends = change[:-1], change[1:]  # whole runs only (drop the truncated first and last)
    for regime in Regime:
        lengths = (ends - starts)[labels[starts] == regime]
        stay = long_market.params.specs[regime].stay
        se = stay * np.sqrt(1 - 1 / stay) / np.sqrt(len(lengths))
        assert len(lengths) >= 20, regime
        assert abs(lengths.mean() - stay) < 4 * se, (regime, lengths.mean())


def test_vix_and_volume_rise_with_turbulence(long_market: SyntheticMarket) -> None:
    labels = long_market.regimes.to_numpy()
    vix = long_market.vix.values.groupby(labels).mean()
    volume = long_market.bars["AAA"]["volume"].groupby(labels).median()

    assert vix[Regime.BULL] < vix[Regime.CHOPPY] < vix[Regime.BEAR] < vix[Regime.VOLATILE]
    assert volume[Regime.VOLATILE] > 1.5 * volume[Regime.BULL]
    assert long_market.vix.values.min() >= long_market.params.vix_floor
    assert not long_market.vix.is_proxy
    assert long_market.vix.source == "synthetic"


def test_vix_settles_at_each_regimes_level(long_market: SyntheticMarket) -> None:
    labels = long_market.regimes.to_numpy()
    run_start = np.maximum.accumulate(
        np.where(np.r_[True, labels[1:] != labels[:-1]], np.arange(len(labels)), 0)
    )
    settled = np.arange(len(labels)) - run_start >= 4 * long_market.params.vix_half_life
    vix = long_market.vix.values.to_numpy()
    for regime in Regime:
        level = long_market.params.specs[regime].vix
        assert vix[settled & (labels == regime)].mean() == pytest.approx(level, rel=0.06), regime


def test_regime_labels_are_regime_members(long_market: SyntheticMarket) -> None:
    assert long_market.regimes.dtype == object
    assert set(long_market.regimes.unique()) == set(Regime)
    assert all(isinstance(r, Regime) for r in long_market.regimes.iloc[:50])


def test_overridden_params_are_used() -> None:
    params = RegimeParams(initial=Regime.VOLATILE).with_regime(Regime.VOLATILE, vix=60.0, stay=1e6)
    market = generate_market(["AAPL"], seed=2, params=params, **SHORT)

    assert (market.regimes == Regime.VOLATILE).all()
    assert market.vix.values.iloc[-100:].mean() == pytest.approx(60, abs=5)
    assert market.params is params


# --- shocks -------------------------------------------------------------------------------
def test_gap_down_opens_the_given_fraction_below_the_previous_close() -> None:
    day = date(2019, 6, 3)
    plain = generate_market(["AAPL", "MSFT"], seed=9, **SHORT)
    shocked = generate_market(["AAPL", "MSFT"], seed=9, shocks=[GapDown(day, 0.12)], **SHORT)

    for symbol in ("AAPL", "MSFT"):
        bars = shocked.bars[symbol]
        i = bars.index.get_loc(nyse().session_close(day))
        assert bars["open"].iloc[i] == pytest.approx(bars["close"].iloc[i - 1] * 0.88, rel=1e-12)
    ratio = shocked.index / plain.index
    assert ratio.loc[:"2019-05-31 23:00"].to_numpy() == pytest.approx(1.0, rel=1e-12)
    assert ratio.loc["2019-06-03 12:00":].to_numpy() == pytest.approx(0.88, rel=1e-12)


def test_gap_down_can_hit_one_symbol_only() -> None:
    day = date(2019, 6, 3)
    plain = generate_market(["AAPL", "MSFT"], seed=9, **SHORT)
    shocked = generate_market(
        ["AAPL", "MSFT"], seed=9, shocks=[GapDown(day, 0.3, symbols=("MSFT",))], **SHORT
    )

    pd.testing.assert_frame_equal(plain.bars["AAPL"], shocked.bars["AAPL"])
    pd.testing.assert_series_equal(plain.index, shocked.index)
    last = shocked.bars["MSFT"]["close"].iloc[-1] / plain.bars["MSFT"]["close"].iloc[-1]
    assert last == pytest.approx(0.7, rel=1e-12)


def test_crash_takes_the_index_down_by_the_total_over_its_sessions() -> None:
    crash = Crash(date(2019, 3, 4), sessions=10, total=0.3)
    plain = generate_market(["AAPL"], seed=9, **SHORT)
    shocked = generate_market(["AAPL"], seed=9, shocks=[crash], **SHORT)

    ratio = (shocked.index / plain.index).to_numpy()
    first = int(np.argmax(ratio < 1 - 1e-12))
    assert shocked.index.index[first] == nyse().session_close(date(2019, 3, 4))
    assert ratio[first + 9] == pytest.approx(0.7, rel=1e-12)
    assert ratio[first + 4] == pytest.approx(0.7**0.5, rel=1e-12)
    assert ratio[-1] == pytest.approx(0.7, rel=1e-12)


def test_halted_symbol_has_no_bars_during_the_halt() -> None:
    halt = Halt("TSLA", date(2019, 5, 6), date(2019, 5, 17))
    market = generate_market(["AAPL", "TSLA"], seed=9, shocks=[halt], **SHORT)
    tsla, aapl = market.bars["TSLA"], market.bars["AAPL"]

    assert tsla.loc["2019-05-06":"2019-05-17 23:00"].empty
    assert len(aapl) - len(tsla) == 10
    assert not tsla.loc["2019-05-03":"2019-05-03 23:00"].empty
    assert not tsla.loc["2019-05-20":"2019-05-20 23:00"].empty


def test_missing_bars_drops_the_requested_count() -> None:
    market = generate_market(
        ["AAPL", "MSFT", "NVDA"],
        seed=9,
        shocks=[MissingBars(7), MissingBars(3, symbols=("NVDA",))],
        **SHORT,
    )
    sessions = len(nyse().sessions(SHORT["start"], SHORT["end"]))

    assert len(market.bars["AAPL"]) == sessions - 7
    assert len(market.bars["MSFT"]) == sessions - 7
    assert len(market.bars["NVDA"]) == sessions - 10
    assert not market.bars["AAPL"].index.equals(market.bars["MSFT"].index)


def test_shock_naming_an_ungenerated_symbol_is_refused() -> None:
    with pytest.raises(ValueError, match="not generated"):
        generate_market(["AAPL"], shocks=[Halt("MSFT", date(2019, 5, 6), date(2019, 5, 7))])


def test_gap_down_on_a_holiday_is_refused() -> None:
    with pytest.raises(ValueError, match="not a session"):
        generate_market(["AAPL"], shocks=[GapDown(date(2019, 7, 4), 0.1)], **SHORT)


# --- bars ---------------------------------------------------------------------------------
def test_hourly_bars_are_stamped_at_the_calendar_hourly_bar_ends() -> None:
    start, end = date(2019, 11, 25), date(2019, 12, 3)
    market = generate_market(["AAPL"], seed=1, start=start, end=end, interval=Interval.HOURLY)
    bars = market.bars["AAPL"]
    expected = [t for day in nyse().sessions(start, end) for t in nyse().hourly_bar_ends(day)]

    assert list(bars.index) == expected
    assert len(bars.loc["2019-11-29"]) == 4  # early close: 10:30, 11:30, 12:30, 13:00
    assert market.bars.interval is Interval.HOURLY
    same_day = bars.index[1:].normalize() == bars.index[:-1].normalize()
    np.testing.assert_array_equal(
        bars["open"].to_numpy()[1:][same_day], bars["close"].to_numpy()[:-1][same_day]
    )


def test_hourly_bars_scale_volatility_to_the_bar_length() -> None:
    params = RegimeParams(initial=Regime.BULL).with_regime(Regime.BULL, stay=1e6)
    market = generate_market(
        [], seed=4, start=date(2011, 1, 3), end=date(2020, 12, 31), interval="1h", params=params
    )
    r = np.diff(np.log(market.index.to_numpy()))
    full_hours = np.diff(market.index.index.asi8) == 3600 * 10**9
    expected = 0.12 * np.sqrt(1 / 6.5 / 252)

    assert r[full_hours].std() == pytest.approx(expected, rel=0.03)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), hourly=st.booleans())
def test_ohlc_are_consistent_for_any_seed(seed: int, hourly: bool) -> None:
    interval = Interval.HOURLY if hourly else Interval.DAILY
    end = date(2019, 2, 28) if hourly else date(2020, 12, 31)
    gap = GapDown(date(2019, 2, 4), 0.2)
    market = generate_market(
        ["AAPL", "BRK.B"], seed=seed, start=SHORT["start"], end=end, interval=interval, shocks=[gap]
    )
    for symbol in market.bars.symbols:
        bars = market.bars[symbol]
        o, h, lo, c = (bars[k].to_numpy() for k in ("open", "high", "low", "close"))
        assert np.all(lo > 0)
        assert np.all(lo <= np.minimum(o, c)) and np.all(h >= np.maximum(o, c))
        assert np.all(bars["volume"].to_numpy() >= 0)
        check_frame(symbol, bars)


# --- the provider ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def provider() -> SyntheticData:
    cfg = TradewindConfig.model_validate({"data": {"source": "synthetic"}})
    return SyntheticData.from_config(cfg)


def test_provider_serves_the_configured_universe_checked(provider: SyntheticData) -> None:
    bars = provider.bars(RUNBOOK, "2015-01-01", "2015-12-31 23:59")

    assert provider.available_symbols() == [*RUNBOOK, "SP500"]
    assert bars.symbols == RUNBOOK
    assert bars.source == "synthetic"
    assert len(bars["AAPL"]) == len(nyse().sessions("2015-01-01", "2015-12-31"))
    assert bars.derived_ohlc == frozenset()


def test_provider_matches_generate_market_for_the_same_seed(provider: SyntheticData) -> None:
    market = generate_market(RUNBOOK, seed=7)
    pd.testing.assert_frame_equal(provider.history("NVDA"), market.bars["NVDA"])
    pd.testing.assert_series_equal(provider.benchmark(), market.index)


def test_provider_serves_the_index_and_unconfigured_tickers(provider: SyntheticData) -> None:
    bars = provider.bars(["SP500", "XOM"], "2012-01-01", "2012-03-01")

    assert bars.derived_ohlc == frozenset({"SP500"})
    assert bars["XOM"]["close"].gt(0).all()
    with pytest.raises(MissingDataError, match="well-formed"):
        provider.bars(["not a ticker"])


def test_provider_latest_prices_vix_and_regimes(provider: SyntheticData) -> None:
    asof = pd.Timestamp("2016-06-15 19:59", tz="UTC")  # a minute before that day's close
    prices = provider.latest_prices(["AAPL", "SP500"], asof)
    vix = provider.vix("2016-01-01", "2016-12-31")

    assert prices["AAPL"] == provider.history("AAPL").loc[:asof, "close"].iloc[-1]
    assert provider.history("AAPL").loc[:asof].index[-1].date() == date(2016, 6, 14)
    assert not vix.is_proxy
    assert vix.values.index.equals(provider.regimes("2016-01-01", "2016-12-31").index)


def test_provider_refuses_another_interval(provider: SyntheticData) -> None:
    with pytest.raises(MissingDataError, match="1d"):
        provider.bars(["AAPL"], interval=Interval.HOURLY)


def test_from_config_rejects_a_benchmark_it_cannot_serve() -> None:
    cfg = TradewindConfig.model_validate({"data": {"source": "synthetic", "benchmark": "SPY"}})
    with pytest.raises(ConfigError, match="data.benchmark 'SPY'"):
        SyntheticData.from_config(cfg)


def test_from_config_reports_dates_outside_the_calendar() -> None:
    cfg = TradewindConfig.model_validate(
        {"data": {"source": "synthetic", "synthetic": {"start": "1880-01-02"}}}
    )
    with pytest.raises(ConfigError, match="data.synthetic"):
        SyntheticData.from_config(cfg)
