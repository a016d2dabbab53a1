"""Issue 15's round trip: ``data export`` of the bundled data to CSV and to Parquet, then the same
work on ``--source files`` gives results identical to ``--source bundled``.

Everything goes the way a user goes: the export is the CLI command, both providers are built from
a configuration with the default limits (``get_market_data``), the regime evaluation is the
function behind ``regime evaluate`` and the backtest is the walk-forward backtest.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradewind.backtest import BacktestRun, run_backtest
from tradewind.backtest.outputs import fold_table
from tradewind.cli.app import app
from tradewind.cli.regime_cmd import index_evaluation
from tradewind.config import TradewindConfig, validate_config
from tradewind.data import MarketData, get_market_data
from tradewind.data.bundled import bundled_symbols
from tradewind.domain.errors import DataError

SYMBOLS = ["AAPL", "MSFT", "JPM", "JNJ", "PG"]
BACKTEST = ("2012-01-01", "2018-12-31")


def _config(source: str, path: Path | None = None) -> TradewindConfig:
    return validate_config(
        {
            "trading": {"symbols": SYMBOLS},
            "data": {"source": source, "path": str(path) if path else None},
        }
    )


@pytest.fixture(scope="module")
def bundled() -> MarketData:
    return get_market_data(_config("bundled"))


@pytest.fixture(scope="module", params=["csv", "parquet"])
def files(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> MarketData:
    """Every bundled series exported by ``tradewind data export``, read back as configured."""
    root = tmp_path_factory.mktemp(f"round-trip-{request.param}")
    config = root / "config.yaml"
    config.write_text(
        f"trading:\n  symbols: {json.dumps(SYMBOLS)}\nlogging:\n  path: {root / 'trading.log'}\n"
    )
    folder = root / "prices"
    args = ["data", "export", "--source", "bundled", "--to", str(folder)]
    result = CliRunner().invoke(app, [*args, "--format", request.param, "--config", str(config)])
    assert result.exit_code == 0, result.output
    return get_market_data(_config("files", folder))


def _bars_or_error(provider: MarketData, symbol: str) -> pd.DataFrame | str:
    try:
        return provider.bars([symbol])[symbol]
    except DataError as exc:
        return f"{type(exc).__name__}: {exc}"


def test_every_series_reads_back_identically_under_the_default_checks(
    bundled: MarketData, files: MarketData
) -> None:
    assert files.available_symbols() == sorted(bundled_symbols())
    refused = []
    for symbol in bundled_symbols():
        ours, theirs = _bars_or_error(bundled, symbol), _bars_or_error(files, symbol)
        if isinstance(ours, str):
            assert theirs == ours
            refused.append(symbol)
        else:
            assert isinstance(theirs, pd.DataFrame), theirs
            pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    assert refused == ["RRC"]  # its 1990-1992 flat runs, refused by both alike
    derived = files.bars(SYMBOLS + ["SP500", "SP500_OHLCV"]).derived_ohlc
    assert derived == bundled.bars(SYMBOLS + ["SP500", "SP500_OHLCV"]).derived_ohlc
    assert derived == frozenset({*SYMBOLS, "SP500"})


def test_benchmark_and_latest_prices_are_identical(bundled: MarketData, files: MarketData) -> None:
    pd.testing.assert_series_equal(bundled.benchmark(), files.benchmark(), check_exact=True)
    asof = pd.Timestamp("2018-03-16 20:00", tz="UTC")
    pd.testing.assert_series_equal(
        bundled.latest_prices(["AAPL", "SP500_OHLCV"], asof),
        files.latest_prices(["AAPL", "SP500_OHLCV"], asof),
        check_exact=True,
    )


@pytest.mark.parametrize(
    "window",
    [
        (None, None),
        ("2015-01-01", "2016-01-01"),
        ("2000-01-01", "2005-01-01"),
        ("2013-06-01", None),
    ],
)
def test_vix_is_identical_with_its_per_row_proxy_flags(
    bundled: MarketData, files: MarketData, window: tuple[str | None, str | None]
) -> None:
    ours, theirs = bundled.vix(*window), files.vix(*window)
    pd.testing.assert_series_equal(ours.values, theirs.values, check_exact=True)
    assert ours.is_proxy is theirs.is_proxy
    if ours.proxy_mask is None:
        assert theirs.proxy_mask is None
    else:
        assert theirs.proxy_mask is not None
        pd.testing.assert_series_equal(ours.proxy_mask, theirs.proxy_mask, check_exact=True)
    pd.testing.assert_series_equal(ours.row_flags(), theirs.row_flags(), check_exact=True)


@pytest.fixture(scope="module")
def bundled_evaluation(bundled: MarketData) -> dict[str, object]:
    payload, _ = index_evaluation(_config("bundled"), ("rules",), bundled, grid=False)
    return payload


def test_the_regime_evaluation_is_identical(
    bundled_evaluation: dict[str, object], files: MarketData
) -> None:
    payload, _ = index_evaluation(_config("bundled"), ("rules",), files, grid=False)
    ours = dict(bundled_evaluation)
    assert (ours.pop("source"), payload.pop("source")) == ("bundled", "files")
    assert payload == ours
    assert 0.5 < float(str(payload["vix_proxy_share"])) < 1.0  # observed 2014-2019 only


@pytest.fixture(scope="module")
def bundled_backtest(bundled: MarketData) -> BacktestRun:
    return run_backtest(_config("bundled"), bundled, *BACKTEST)


def test_the_walk_forward_backtest_is_identical(
    bundled_backtest: BacktestRun, files: MarketData
) -> None:
    run = run_backtest(_config("bundled"), files, *BACKTEST)
    ours, theirs = bundled_backtest.summary, run.summary
    pd.testing.assert_series_equal(
        ours.recorder.equity_curve(), theirs.recorder.equity_curve(), check_exact=True
    )
    pd.testing.assert_frame_equal(fold_table(bundled_backtest), fold_table(run), check_exact=True)
    assert len(fold_table(run)) == 7  # one out-of-sample fold per year
    assert ours.performance.as_dict() == theirs.performance.as_dict()
    assert ours.relative is not None and theirs.relative is not None
    assert ours.relative.as_dict() == theirs.relative.as_dict()
