"""The ``files`` provider: users' CSV / Parquet files, read like the bundled data.

Every file here is written by the test itself into ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewind.calendar import nyse
from tradewind.config import TradewindConfig
from tradewind.data import MarketData, get_market_data
from tradewind.data.files import FilesData
from tradewind.data.files.errors import MissingFileError
from tradewind.data.files.export import export
from tradewind.domain.types import Interval

TODAY = pd.Timestamp("2022-07-05", tz="UTC")


def sessions(start: str = "2021-01-04", end: str = "2022-06-30") -> pd.DatetimeIndex:
    return nyse().sessions(start, end)


def ohlcv(days: pd.DatetimeIndex, seed: int = 1, start: float = 100.0) -> pd.DataFrame:
    """A plausible random OHLCV frame on ``days`` (naive dates)."""
    rng = np.random.default_rng(seed)
    close = start * np.exp(np.cumsum(rng.normal(0.0003, 0.012, len(days))))
    open_ = np.concatenate([[start], close[:-1]])
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) * 1.01,
            "low": np.minimum(open_, close) * 0.99,
            "close": close,
            "volume": rng.integers(1_000, 9_000, len(days)).astype(float),
        },
        index=days,
    )


def write_csv(
    path: Path, frame: pd.DataFrame, header: list[str] | None = None, *, bom: bool = False
) -> Path:
    out = frame.reset_index()
    out.columns = header or ["Date", "Open", "High", "Low", "Close", "Volume"]
    out.iloc[:, 0] = [d.strftime("%Y-%m-%d") for d in frame.index]
    path.write_text(("\ufeff" if bom else "") + out.to_csv(index=False), encoding="utf-8")
    return path


def provider(path: Path, **kwargs: object) -> FilesData:
    return FilesData(path, today=TODAY, **kwargs)  # type: ignore[arg-type]


# (the round trip of the bundled data through files: tests/data/test_round_trip.py)


# --- what a file may look like -----------------------------------------------------------
def test_alias_headers_bom_dollars_and_extra_columns_read_alike(tmp_path: Path) -> None:
    frame = ohlcv(sessions())
    plain, nasdaq = tmp_path / "plain", tmp_path / "nasdaq"
    plain.mkdir()
    nasdaq.mkdir()
    write_csv(plain / "AAPL.csv", frame)
    out = frame.reset_index(names="Date")
    out["Date"] = [d.strftime("%m/%d/%Y") for d in frame.index]  # US layout, newest first below
    for col in ("open", "high", "low", "close"):
        out[col] = ["$" + repr(float(v)) for v in out[col]]
    out = out.rename(
        columns={"open": "Open", "high": "High", "low": "Low", "close": "Close/Last"}
    ).rename(columns={"volume": "Volume"})
    out["Change %"] = "0.1%"  # an extra column is ignored
    (nasdaq / "AAPL.csv").write_text(
        "\ufeff" + out.iloc[::-1].to_csv(index=False, sep=";"), encoding="utf-8"
    )
    snake = write_csv(
        tmp_path / "snake.csv",
        frame,
        ["timestamp", "OPEN", "high", "Low", "close", "VOL"],
        bom=True,
    )
    expected = provider(plain).history("AAPL")
    nasdaq_provider = provider(nasdaq)
    pd.testing.assert_frame_equal(nasdaq_provider.history("AAPL"), expected, check_exact=True)
    assert any("newest first" in w for w in nasdaq_provider.warnings)
    pd.testing.assert_frame_equal(provider(snake).history("SNAKE"), expected, check_exact=True)


def test_dates_are_stamped_at_the_session_close_including_early_closes(tmp_path: Path) -> None:
    days = sessions("2019-11-25", "2019-12-05")
    write_csv(tmp_path / "AAPL.csv", ohlcv(days))
    index = provider(tmp_path).history("AAPL").index
    assert str(index.tz) == "UTC"
    local = index.tz_convert("America/New_York")
    assert local[0].strftime("%Y-%m-%d %H:%M") == "2019-11-25 16:00"
    black_friday = local[local.strftime("%Y-%m-%d") == "2019-11-29"]
    assert black_friday[0].hour == 13  # early close


def test_times_written_next_to_daily_dates_keep_their_date(tmp_path: Path) -> None:
    days = sessions("2022-01-03", "2022-01-07")
    frame = ohlcv(days)
    midnight_utc = frame.reset_index(names="Date")
    midnight_utc["Date"] = [d.strftime("%Y-%m-%dT00:00:00Z") for d in days]
    (tmp_path / "AAPL.csv").write_text(midnight_utc.to_csv(index=False))
    write_csv(tmp_path / "MSFT.csv", frame)
    data = provider(tmp_path)
    pd.testing.assert_index_equal(data.history("AAPL").index, data.history("MSFT").index)


def test_reversed_rows_are_sorted_with_a_warning(tmp_path: Path) -> None:
    frame = ohlcv(sessions())
    write_csv(tmp_path / "AAPL.csv", frame.iloc[::-1])
    write_csv(tmp_path / "MSFT.csv", frame)
    data = provider(tmp_path)
    pd.testing.assert_frame_equal(data.history("AAPL"), data.history("MSFT"), check_exact=True)
    assert any("AAPL.csv" in w and "sorted oldest first" in w for w in data.warnings)


def test_close_only_files_derive_ohlc_and_are_flagged(tmp_path: Path) -> None:
    frame = ohlcv(sessions())[["close"]]
    write_csv(tmp_path / "SPX.csv", frame, ["Date", "Close"])
    data = provider(tmp_path, benchmark="SPX")
    bars = data.bars(["SPX"])
    assert bars.derived_ohlc == frozenset({"SPX"})
    assert bars["SPX"]["open"].iloc[1] == bars["SPX"]["close"].iloc[0]
    assert bars["SPX"]["volume"].isna().all()
    pd.testing.assert_series_equal(
        data.benchmark(), bars["SPX"]["close"].rename("SPX"), check_exact=True
    )


def test_adjusted_close_removes_a_split_crash(tmp_path: Path) -> None:
    days = sessions("2022-01-03", "2022-06-30")
    raw = ohlcv(days, seed=4)
    split = 60  # a 2:1 split: unadjusted prices halve from this session on
    raw.iloc[split:, :4] /= 2.0
    raw["volume"] = raw["volume"].to_numpy()
    adj_close = raw["close"].copy()
    adj_close.iloc[:split] /= 2.0  # what a vendor's Adj Close shows
    table = raw.reset_index(names="Date")
    table.insert(5, "Adj Close", adj_close.to_numpy())
    table["Date"] = [d.strftime("%Y-%m-%d") for d in days]
    (tmp_path / "NVDA.csv").write_text(table.to_csv(index=False))

    adjusted = provider(tmp_path).history("NVDA")
    moves = adjusted["close"].pct_change().abs()
    assert moves.max() < 0.1  # no 50% "crash"
    np.testing.assert_allclose(adjusted["close"], adj_close.to_numpy(), rtol=1e-12)
    assert (adjusted["high"] >= adjusted["close"]).all()
    notes = provider(tmp_path)
    notes.history("NVDA")
    assert any("scaled by 'Adj Close'" in n for n in notes.notes)

    unadjusted = provider(tmp_path, adjust=False).history("NVDA")
    assert unadjusted["close"].pct_change().min() < -0.45  # the split, as the raw file shows it


def test_a_long_table_reads_like_one_file_per_symbol(tmp_path: Path) -> None:
    days = sessions()
    a, m = ohlcv(days, seed=1), ohlcv(days, seed=2, start=250.0)
    long = pd.concat(
        [
            a.reset_index(names="Date").assign(Ticker="AAPL"),
            m.reset_index(names="Date").assign(Ticker="MSFT"),
        ]
    ).sort_values("Date", kind="stable")
    long["Date"] = long["Date"].dt.strftime("%Y-%m-%d")
    long.to_parquet(tmp_path / "prices.parquet", index=False)
    folder = tmp_path / "folder"
    folder.mkdir()
    write_csv(folder / "AAPL.csv", a)
    write_csv(folder / "MSFT.csv", m)

    data, per_file = provider(tmp_path / "prices.parquet"), provider(folder)
    assert data.available_symbols() == ["AAPL", "MSFT"]
    for s in ("AAPL", "MSFT"):
        pd.testing.assert_frame_equal(data.history(s), per_file.history(s), check_exact=True)


def _mixed_long_table(path: Path, days: pd.DatetimeIndex) -> pd.DataFrame:
    """A long table with OHLC columns: AAPL observed, KO close-only (its OHLC cells empty)."""
    a, k = ohlcv(days, seed=1), ohlcv(days, seed=3, start=50.0)
    close_only = k[["close"]].assign(open="", high="", low="", volume="")
    long = pd.concat(
        [
            a.reset_index(names="Date").assign(Symbol="AAPL"),
            close_only.reset_index(names="Date").assign(Symbol="KO"),
        ]
    )
    long["Date"] = long["Date"].dt.strftime("%Y-%m-%d")
    long.to_csv(path, index=False)
    return k


def test_a_long_table_mixing_close_only_and_ohlc_symbols_reads_each_as_it_is(
    tmp_path: Path,
) -> None:
    days = sessions()
    k = _mixed_long_table(tmp_path / "prices.csv", days)
    write_csv(tmp_path / "KO.csv", k[["close"]], ["Date", "Close"])
    data = provider(tmp_path / "prices.csv")
    bars = data.bars(["AAPL", "KO"])
    assert bars.derived_ohlc == frozenset({"KO"})
    alone = provider(tmp_path / "KO.csv").bars(["KO"])["KO"]
    pd.testing.assert_frame_equal(bars["KO"], alone, check_exact=True)
    (note,) = [p for p in data.report("KO").problems if p.kind == "close_only"]
    assert note.severity == "note"
    assert str(note).startswith(f"{tmp_path / 'prices.csv'}: KO rows: Open, High and Low are empty")


def test_a_long_table_error_names_the_symbol_of_the_rows(tmp_path: Path) -> None:
    days = sessions()
    _mixed_long_table(tmp_path / "prices.csv", days)
    text = (tmp_path / "prices.csv").read_text().splitlines()
    line = next(i for i, row in enumerate(text) if ",KO" in row)
    cells = text[line].split(",")
    cells[1:4] = ["50", "51", "49"]  # open/high/low given on one KO row only
    text[line] = ",".join(cells)
    (tmp_path / "prices.csv").write_text("\n".join(text) + "\n")
    report = provider(tmp_path / "prices.csv").report("KO")
    messages = [str(p) for p in report.problems if p.severity == "error"]
    assert any("KO rows: Open is empty or NaN" in m for m in messages), messages
    assert all(p.kind != "no_file" for p in report.problems)


def test_a_custom_symbol_column_is_used_from_config(tmp_path: Path) -> None:
    frame = ohlcv(sessions())
    long = frame.reset_index(names="Date").assign(Instrument="AAPL")
    long["Date"] = long["Date"].dt.strftime("%Y-%m-%d")
    long.to_csv(tmp_path / "all.csv", index=False)
    data = provider(tmp_path / "all.csv", symbol_column="Instrument")
    assert data.available_symbols() == ["AAPL"]


def test_hourly_bars_with_offsets_are_served_as_hourly(tmp_path: Path) -> None:
    cal = nyse()
    ends = cal.hourly_bar_ends("2022-03-01").append(cal.hourly_bar_ends("2022-03-02"))
    frame = ohlcv(pd.DatetimeIndex(ends))
    table = frame.reset_index(names="timestamp")
    table["timestamp"] = [t.tz_convert("America/New_York").isoformat() for t in ends]
    (tmp_path / "AAPL.csv").write_text(table.to_csv(index=False))
    (tmp_path / "SP500.csv").write_text(table.to_csv(index=False))
    data = provider(tmp_path)
    data.require(["AAPL"])
    bars = data.bars(["AAPL"], interval=Interval.HOURLY)
    pd.testing.assert_index_equal(bars["AAPL"].index, pd.DatetimeIndex(ends, name="timestamp"))


def test_without_a_vix_file_the_regime_proxy_is_served_and_flagged(tmp_path: Path) -> None:
    write_csv(tmp_path / "SP500.csv", ohlcv(sessions()))
    vix = provider(tmp_path).vix()
    assert vix.is_proxy
    assert "vix_proxy" in vix.source
    assert vix.values.dropna().between(4, 200).all()


def test_a_vix_file_is_found_by_name_and_can_be_given_as_a_path(tmp_path: Path) -> None:
    days = sessions()
    write_csv(tmp_path / "SP500.csv", ohlcv(days))
    levels = pd.DataFrame(
        {"Date": days.strftime("%Y-%m-%d"), "Close": np.linspace(15, 30, len(days))}
    )
    levels.to_csv(tmp_path / "VIX.csv", index=False)
    found = provider(tmp_path).vix()
    assert not found.is_proxy
    assert found.values.iloc[0] == 15.0
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    levels.to_csv(elsewhere / "cboe_vix.csv", index=False)
    given = provider(tmp_path, vix=str(elsewhere / "cboe_vix.csv")).vix()
    pd.testing.assert_series_equal(given.values, found.values, check_exact=True)


def test_the_registry_builds_the_files_provider_and_checks_the_config(tmp_path: Path) -> None:
    days = sessions()
    for i, s in enumerate(("AAPL", "MSFT", "SPY")):
        write_csv(tmp_path / f"{s}.csv", ohlcv(days, seed=i))
    cfg = TradewindConfig.model_validate(
        {
            "trading": {"symbols": ["AAPL", "MSFT"]},
            "risk_management": {"max_position_size": 0.5},
            "data": {"source": "files", "path": str(tmp_path), "benchmark": "SPY"},
        }
    )
    data = get_market_data(cfg)
    assert isinstance(data, MarketData)
    assert isinstance(data, FilesData)
    assert data.benchmark().name == "SPY"
    missing = cfg.model_copy(
        update={"trading": cfg.trading.model_copy(update={"symbols": ["AAPL", "NVDA", "TSLA"]})}
    )
    with pytest.raises(MissingFileError, match="no file for NVDA, TSLA"):
        get_market_data(missing)


def test_export_writes_derived_series_close_only_and_refuses_to_overwrite(
    tmp_path: Path,
) -> None:
    days = sessions()
    (tmp_path / "src").mkdir()
    write_csv(tmp_path / "src" / "AAPL.csv", ohlcv(days))
    write_csv(tmp_path / "src" / "SP500.csv", ohlcv(days)[["close"]], ["Date", "Close"])
    source = provider(tmp_path / "src")
    written = export(source, tmp_path / "out")
    columns = {w.symbol: w.columns for w in written}
    assert columns["AAPL"] == ("date", "open", "high", "low", "close", "volume")
    assert columns["SP500"] == ("date", "close")
    assert columns["VIX"] == ("date", "vix", "is_proxy")  # the proxy, flagged row by row
    again = provider(tmp_path / "out")
    assert again.is_derived("SP500") and not again.is_derived("AAPL")
    assert again.vix().is_proxy
    with pytest.raises(Exception, match="already exist"):
        export(source, tmp_path / "out")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_hourly_synthetic_round_trip_is_identical(tmp_path: Path, fmt: str) -> None:
    from datetime import date

    from tradewind.data.synthetic import SyntheticData

    source = SyntheticData(
        ["AAPL"], interval=Interval.HOURLY, start=date(2021, 1, 4), end=date(2021, 3, 31)
    )
    export(source, tmp_path, fmt=fmt)  # type: ignore[arg-type]
    read = provider(tmp_path)
    read.require(["AAPL"])
    ours = source.bars(["AAPL", "SP500"], interval=Interval.HOURLY)
    theirs = read.bars(["AAPL", "SP500"], interval=Interval.HOURLY)
    for s in ("AAPL", "SP500"):
        pd.testing.assert_frame_equal(ours[s], theirs[s], check_exact=True)
    assert theirs.derived_ohlc == frozenset({"SP500"})
    np.testing.assert_array_equal(source.vix().values, read.vix().values)


def test_a_configured_vix_without_a_file_is_refused(tmp_path: Path) -> None:
    write_csv(tmp_path / "SP500.csv", ohlcv(sessions()))
    with pytest.raises(MissingFileError, match="no file for VIX"):
        provider(tmp_path, vix="VIX").require([])
    with pytest.raises(MissingFileError, match="data.vix names a file that does not exist"):
        provider(tmp_path, vix="vix/cboe.csv")
