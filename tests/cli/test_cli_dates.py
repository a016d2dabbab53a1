"""Every --asof / --start / --end: a bad or out-of-range date is a clear error (exit 2), an --asof
past the end of the data is answered with a warning naming the last date used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "config" / "demo.yaml")
runner = CliRunner()
CALENDAR = "sessions 1885-01-01 to"


def _invoke(*args: str) -> Result:
    return runner.invoke(app, [*args, "--config", DEMO])


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["optimize", "--source", "bundled", "--asof", "notadate"], "--asof 'notadate' is not"),
        (["optimize", "--source", "bundled", "--asof", "1880-01-01"], "--asof 1880-01-01 is bef"),
        (["optimize", "--source", "bundled", "--asof", "2030-01-01"], "--asof 2030-01-01 is aft"),
        (["regime", "now", "--source", "bundled", "--asof", "notadate"], "--asof 'notadate' is"),
        (["regime", "now", "--source", "bundled", "--asof", "1880-01-01"], "--asof 1880-01-01"),
        (["data", "show", "AAPL", "--source", "bundled", "--start", "notadate"], "--start 'nota"),
        (["data", "show", "AAPL", "--source", "bundled", "--end", "1880-01-01"], "--end 1880-01"),
        (["data", "show", "AAPL", "-s", "bundled", "--start", "2021-01-02", "--end", "2020-01-01"],
         "--end 2020-01-01 is before --start 2021-01-02"),
        (["backtest", "--start", "2031-01-01"], "--start 2031-01-01 is after"),
        (["sweep", "--set", "portfolio_optimization.method=hrp", "--end", "x"], "--end 'x' is"),
        (["data", "export", "--source", "bundled", "--to", "unused", "--start", "1/2/3/4"],
         "--start '1/2/3/4' is not a date"),
    ],
)  # fmt: skip
def test_a_bad_date_names_the_option_the_value_and_the_range(
    args: list[str], expected: str
) -> None:
    result = _invoke(*args)
    assert result.exit_code == 2, result.output
    text = _flat(result.output)
    assert expected in text
    assert "not a date; use YYYY-MM-DD" in text or CALENDAR in text or "swap them" in text


def test_an_asof_just_after_the_calendar_starts_is_not_a_traceback() -> None:
    result = _invoke("optimize", "--source", "bundled", "--asof", "1990-01-03")
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert result.exit_code == 3
    assert "Data error" in result.output


def test_an_empty_symbol_list_is_a_clear_error() -> None:
    result = _invoke("optimize", "--source", "bundled", "--asof", "2020-06-30", "--symbols", ",")
    assert result.exit_code == 2, result.output
    assert "--symbols ',' names no symbol" in _flat(result.output)


def test_optimize_past_the_data_warns_and_names_the_last_date_used() -> None:
    args = ["optimize", "--source", "bundled", "--asof", "2023-03-01", "--symbols", "AAPL,MSFT,KO"]
    result = _invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["data_end"].startswith("2022-12-28")
    (warning,) = payload["warnings"]
    assert "--asof 2023-03-01 is past the end of the data" in warning
    assert "uses data up to 2022-12-28" in warning
    assert "past the end of the data" in _flat(result.stderr)
    table = _invoke(*args)
    assert "warning: --asof 2023-03-01 is past the end" in _flat(table.stderr)


def test_optimize_within_the_data_has_no_warning() -> None:
    args = ["optimize", "--source", "bundled", "--asof", "2022-12-28", "--symbols", "AAPL,KO"]
    result = _invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == []
    assert "warning" not in result.stderr


def test_regime_now_past_the_data_warns_and_names_the_last_date_used() -> None:
    result = _invoke("regime", "now", "--source", "bundled", "--asof", "2023-06-30", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["asof"].startswith("2022-12-28")
    (warning,) = payload["warnings"]
    assert "the last bar of SP500 is 2022-12-28" in warning
    assert "past the end of the data" in _flat(result.stderr)


def test_regime_now_without_asof_answers_for_the_latest_session() -> None:
    """``regime now`` (the runbook's "review current market regime") needs no date: it reads
    today's regime, from the last bar the data has, with the warning that names it."""
    result = _invoke("regime", "now", "--source", "bundled", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["asof"].startswith("2022-12-28")
    (warning,) = payload["warnings"]
    assert warning.startswith("the latest session ") and "past the end of the data" in warning
