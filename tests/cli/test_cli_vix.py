"""VIX on the command line: ``data show VIX`` on every source, and the per-row proxy flags that
``data export`` writes and ``--source files`` reads back (so ``regime now`` agrees with bundled)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tradewind.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "config" / "demo.yaml")
runner = CliRunner()


def _invoke(*args: str) -> Result:
    result = runner.invoke(app, [*args, "--config", DEMO])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled S&P 500 index and VIX, exported to CSV by the CLI."""
    folder = tmp_path_factory.mktemp("vix") / "prices"
    _invoke("data", "export", "--source", "bundled", "--symbols", "SP500", "--to", str(folder))
    return folder


def test_export_writes_the_proxy_flag_of_every_vix_row(exported: Path) -> None:
    rows = dict(line.split(",", 1) for line in (exported / "VIX.csv").read_text().splitlines())
    assert rows["date"] == "vix,is_proxy"
    assert rows["2013-12-31"].endswith(",true")  # the realized-volatility proxy
    assert rows["2014-01-03"] == "13.76,false"  # the observed VIX


@pytest.mark.parametrize("source", ["bundled", "synthetic", "files"])
def test_data_show_vix_shows_the_vix_series_of_every_source(exported: Path, source: str) -> None:
    where = ["--data", str(exported)] if source == "files" else ["--source", source]
    result = _invoke("data", "show", "VIX", *where, "--end", "2014-01-07", "-n", "5", "--json")
    payload = json.loads(result.stdout)
    assert payload["symbol"] == "VIX"
    assert payload["source"] == source
    assert len(payload["bars"]) == 5
    assert all(set(bar) == {"timestamp", "vix", "is_proxy"} for bar in payload["bars"])
    if source == "synthetic":
        assert payload["is_proxy"] is False
    else:  # observed from 2014-01-03, the proxy before
        assert [b["is_proxy"] for b in payload["bars"]] == [True, True, False, False, False]
    table = _invoke("data", "show", "VIX", *where, "--end", "2014-01-07", "-n", "5")
    assert "close time (New York)" in table.stdout
    assert "high" not in table.stdout  # a level series, not OHLC bars


def test_data_show_vix_from_files_equals_bundled(exported: Path) -> None:
    args = ["data", "show", "VIX", "--start", "2013-12-01", "--end", "2014-02-28", "-n", "60"]
    ours = json.loads(_invoke(*args, "--data", str(exported), "--json").stdout)
    theirs = json.loads(_invoke(*args, "--source", "bundled", "--json").stdout)
    assert ours["bars"] == theirs["bars"]
    assert ours["is_proxy"] is theirs["is_proxy"] is True


@pytest.mark.parametrize("asof", ["2016-03-16", "2012-06-29"])
def test_regime_now_on_exported_files_equals_bundled(exported: Path, asof: str) -> None:
    args = ["regime", "now", "--asof", asof, "--json"]
    ours = json.loads(_invoke(*args, "--data", str(exported)).stdout)
    theirs = json.loads(_invoke(*args, "--source", "bundled").stdout)
    assert (ours.pop("source"), theirs.pop("source")) == ("files", "bundled")
    assert ours == theirs
    assert ours["is_vix_proxy"] is (asof < "2014-01-03")
