"""``regime evaluate --start/--end`` measures the years asked for and labels the bars measured;
one setting, ``data.benchmark``, names the market index for every command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from tradewind.cli.app import app
from tradewind.cli.regime_cmd import index_evaluation
from tradewind.config import load_config, validate_config
from tradewind.data import BundledData
from tradewind.domain.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "config" / "demo.yaml")


def _invoke(tmp_path: Path, *args: str, code: int = 0) -> Result:
    env = {"TRADEWIND__LOGGING__PATH": str(tmp_path / "log")}
    result = CliRunner(env=env).invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def test_evaluate_measures_the_window_asked_for_and_names_its_first_and_last_bar(
    tmp_path: Path,
) -> None:
    # Act
    args = ["regime", "evaluate", "--source", "bundled", "--no-grid", "--config", DEMO]
    result = _invoke(tmp_path, *args, "--start", "2005-01-01", "--end", "2012-12-31", "--json")
    payload = json.loads(result.stdout)
    # Assert: the label is the bars measured (2005-01-01 was a holiday), not "...2022-12-31".
    assert payload["period"] == ["2005-01-03", "2012-12-31"]
    assert payload["index"] == "SP500"
    # Buy and hold over exactly those bars, recomputed from the bundled closes.
    closes = BundledData().bars(["SP500"])["SP500"]["close"]
    local = closes.index.tz_convert("America/New_York").normalize().tz_localize(None)
    window = closes[(local >= "2005-01-03") & (local <= "2012-12-31")]
    held = payload["rows"]["buy_and_hold"]
    assert held["final_wealth"] == pytest.approx(window.iloc[-1] / window.iloc[0], rel=1e-12)
    protective = payload["rows"]["hmm (protective)"]
    assert 0.0 < protective["time_in_cash"] < 1.0  # the protective row reads the confidence


def test_evaluate_labels_the_last_bar_of_the_data_by_default() -> None:
    cfg = load_config(DEMO)
    payload, out = index_evaluation(cfg, ("rules",), BundledData(), grid=False)
    assert payload["period"] == ["2000-01-03", "2022-12-28"]  # the bundled index's last bar
    assert (out.start, out.end) == ("2000-01-03", "2022-12-28")


def test_a_window_outside_the_index_is_refused_with_its_range() -> None:
    cfg = load_config(DEMO)
    with pytest.raises(DataError, match=r"holds 0 bar\(s\).*runs 1990-01-02 to 2022-12-28"):
        index_evaluation(cfg, ("rules",), BundledData(), grid=False, span=("2023-01-01", None))


def test_start_and_end_are_refused_for_the_synthetic_study(tmp_path: Path) -> None:
    result = _invoke(
        tmp_path, "regime", "evaluate", "--start", "2005-01-01", "--config", DEMO, code=2
    )
    assert "--start/--end choose the years measured on the index" in result.output


# --- one index key -------------------------------------------------------------------------
def test_regime_index_is_refused_with_the_key_that_replaced_it() -> None:
    with pytest.raises(ConfigError) as err:
        validate_config({"regime": {"index": "SPY"}})
    text = str(err.value)
    assert "regime.index was replaced by data.benchmark" in text
    assert "benchmark: SPY under data:" in text


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bundled stocks, VIX and the S&P 500 exported to CSV, the index renamed MKT.csv."""
    folder = tmp_path_factory.mktemp("index") / "prices"
    env = {"TRADEWIND__LOGGING__PATH": str(folder.parent / "log")}
    args = ["data", "export", "--source", "bundled", "--symbols", "AAPL,MSFT,KO,SP500"]
    result = CliRunner(env=env).invoke(app, [*args, "--to", str(folder), "--config", DEMO])
    assert result.exit_code == 0, result.output
    shutil.move(folder / "SP500.csv", folder / "MKT.csv")
    return folder


def _files_config(tmp_path: Path, prices: Path) -> Path:
    path = tmp_path / "mkt.yaml"
    path.write_text(
        "trading:\n  symbols: [AAPL, MSFT, KO]\n"
        "risk_management:\n  max_position_size: 0.4\n"
        "notifications:\n  discord:\n    enabled: false\n"
        f"data:\n  source: files\n  path: {prices}\n  benchmark: MKT\n"
    )
    return path


def test_every_command_reads_the_index_from_data_benchmark(tmp_path: Path, renamed: Path) -> None:
    config = str(_files_config(tmp_path, renamed))
    # regime now (it used to read regime.index, SP500 here: no such file)
    now = _invoke(tmp_path, "regime", "now", "--asof", "2020-03-16", "--config", config, "--json")
    now_payload = json.loads(now.stdout)
    assert now_payload["index"] == "MKT" and now_payload["source"] == "files"
    # regime evaluate
    args = ["regime", "evaluate", "--no-grid", "--detector", "rules", "--config", config]
    evaluate = _invoke(tmp_path, *args, "--source", "files", "--start", "2015-01-01", "--json")
    assert json.loads(evaluate.stdout)["index"] == "MKT"
    # the backtest compares with it
    out = tmp_path / "run"
    args = ["backtest", "--config", config, "--start", "2019-01-01", "--end", "2019-12-31"]
    backtest = _invoke(tmp_path, *args, "--out", str(out), "--no-record", "--json")
    relative = json.loads(backtest.stdout)["relative"]
    mkt = pd.read_csv(renamed / "MKT.csv", index_col=0, parse_dates=True)["close"]
    year = mkt["2019-01-01":"2019-12-31"]
    # the benchmark's return over the run's bars (the run starts at the first 2019 bar)
    assert relative["benchmark_total_return"] == pytest.approx(
        year.iloc[-1] / year.iloc[0] - 1.0, rel=1e-9
    )
