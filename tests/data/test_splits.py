"""Likely unadjusted splits are named (date, ratio, fix); old files (1950) load whole."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tradewind.calendar import nyse
from tradewind.cli.app import app
from tradewind.data.files import FilesData
from tradewind.data.splits import find_splits

TODAY = pd.Timestamp("2021-01-05", tz="UTC")
runner = CliRunner()


def calm_closes(n: int, seed: int = 3, vol: float = 0.01) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0.0, vol, n)))


def test_a_two_for_one_split_in_calm_prices_is_found_with_its_date_and_ratio() -> None:
    days = nyse().sessions("2020-06-01", "2020-10-30")
    closes = calm_closes(len(days))
    at = list(days).index(pd.Timestamp("2020-08-31"))
    closes[at:] /= 2.0
    found = find_splits(pd.Series(closes, index=days))
    assert [(s.when, s.label) for s in found] == [(pd.Timestamp("2020-08-31"), "2-for-1")]
    text = found[0].describe()
    assert "2020-08-31" in text and "close to 0.5" in text and "2-for-1" in text


@pytest.mark.parametrize(
    ("factor", "label"), [(3.0, "3-for-1"), (1.5, "3-for-2"), (0.1, "1-for-10 reverse")]
)
def test_other_split_factors_and_reverse_splits_are_named(factor: float, label: str) -> None:
    closes = calm_closes(60)
    closes[30:] /= factor
    found = find_splits(closes)
    assert [(s.position, s.label) for s in found] == [(30, label)]


def test_a_crash_amid_wild_moves_is_not_called_a_split() -> None:
    closes = calm_closes(60, vol=0.09)  # a market moving 9% a day: a -50% day is not a split
    closes[30:] /= 2.0
    assert find_splits(closes) == []


def test_ordinary_and_too_short_series_have_no_suspects() -> None:
    assert find_splits(calm_closes(500)) == []
    assert find_splits([100.0, 50.0]) == []


def _write(
    folder: Path, symbol: str, days: pd.DatetimeIndex, closes: np.ndarray, **extra: np.ndarray
) -> None:
    frame = pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), "Close": closes.round(4), **extra})
    frame.to_csv(folder / f"{symbol}.csv", index=False)


def test_a_file_with_an_unadjusted_split_warns_on_its_line_and_loads(tmp_path: Path) -> None:
    days = nyse().sessions("2020-01-02", "2020-12-31")
    closes = calm_closes(len(days))
    at = list(days).index(pd.Timestamp("2020-08-31"))
    closes[at:] /= 4.0
    _write(tmp_path, "AAPL", days, closes)
    files = FilesData(tmp_path, benchmark="AAPL", today=TODAY)
    report = files.report("AAPL")
    splits = [p for p in report.problems if p.kind == "split"]
    assert len(splits) == 1
    assert splits[0].severity == "warning"
    assert splits[0].rows == (at + 2,)  # header line + 1-based
    assert "2020-08-31" in splits[0].message and "4-for-1" in splits[0].message
    assert "Adj Close" in splits[0].fix
    assert report.ok  # a warning: the file is used
    assert len(files.bars(["AAPL"])["AAPL"]) == len(days)


def test_the_same_split_with_an_adj_close_column_is_adjusted_and_silent(tmp_path: Path) -> None:
    days = nyse().sessions("2020-01-02", "2020-12-31")
    adjusted = calm_closes(len(days))
    raw = adjusted.copy()
    at = list(days).index(pd.Timestamp("2020-08-31"))
    raw[:at] *= 4.0
    _write(tmp_path, "AAPL", days, raw, **{"Adj Close": adjusted.round(4)})
    files = FilesData(tmp_path, benchmark="AAPL", today=TODAY)
    assert [p.kind for p in files.report("AAPL").problems if p.kind == "split"] == []


def test_data_import_prints_the_split_warning_with_the_fix(
    tmp_path: Path, in_tmp_cwd: Path
) -> None:
    days = nyse().sessions("2019-01-02", "2020-12-31")
    closes = calm_closes(len(days))
    at = list(days).index(pd.Timestamp("2020-08-31"))
    closes[at:] /= 2.0
    _write(tmp_path, "AAPL", days, closes)
    result = runner.invoke(app, ["data", "import", str(tmp_path), "--symbols", "AAPL", "--json"])
    payload = json.loads(result.stdout)
    problems = [p for s in payload["symbols"] for p in s["problems"] if p["kind"] == "split"]
    assert len(problems) == 1, payload
    assert "2020-08-31" in problems[0]["message"] and "close to 0.5" in problems[0]["message"]


def test_a_file_from_1950_loads_whole_on_the_nyse_calendar(tmp_path: Path) -> None:
    days = nyse().sessions("1950-01-03", "1952-12-31")
    _write(tmp_path, "SP500", days, 16.66 * np.exp(np.cumsum(np.full(len(days), 0.0003))))
    files = FilesData(tmp_path, today=TODAY)
    report = files.report("SP500")
    assert report.ok, report.problems
    assert [p.kind for p in report.problems if p.severity == "error"] == []
    bars = files.bars(["SP500"], "1950-01-01")["SP500"]
    assert len(bars) == len(days)
    assert bars.index[0] == pd.Timestamp("1950-01-03 16:00", tz="America/New_York")
    assert report.coverage is not None and report.coverage.missing == 0
