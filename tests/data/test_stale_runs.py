"""Flat runs (equal closes in a row): one setting, ``data.stale_bars``, for every source, so the
same prices get the same verdict whether they come bundled or from exported files."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tradewind.cli.app import app
from tradewind.config import TradewindConfig, validate_config
from tradewind.data import get_market_data
from tradewind.domain.errors import ConfigError, StaleDataError

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "config" / "demo.yaml")
OPTIMIZE = ["optimize", "--asof", "1991-06-28", "--symbols", "RRC,AAPL,KO", "--json"]


LOG = str(Path(tempfile.gettempdir()) / "tradewind-test-stale-runs.log")
"""The commands log here, not to the repository's logs/."""


def _invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    env = {"TRADEWIND__LOGGING__PATH": LOG, **(env or {})}
    return CliRunner(env=env).invoke(app, [*args, "--config", DEMO])


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bundled RRC (rounded 1990s prints with long flat runs), AAPL, KO and SP500 as CSV."""
    folder = tmp_path_factory.mktemp("stale") / "prices"
    result = _invoke(
        "data", "export", "--source", "bundled", "--symbols", "RRC,AAPL,KO", "--to", str(folder)
    )
    assert result.exit_code == 0, result.output
    return folder


def test_bundled_and_files_refuse_the_same_flat_run_with_the_same_message(
    exported: Path,
) -> None:
    bundled = _invoke(*OPTIMIZE, "--source", "bundled")
    files = _invoke(*OPTIMIZE, "--data", str(exported))
    assert bundled.exit_code == files.exit_code == 3
    error = " ".join(bundled.stderr.split()).split("Data error: ", 1)[1]
    assert error == " ".join(files.stderr.split()).split("Data error: ", 1)[1]
    text = error
    assert "[RRC @ 1990-05-11" in text
    assert "close unchanged at 2.768 for 16 bars" in text
    assert "set data.stale_bars: null" in text


def test_with_the_check_off_both_give_the_same_weights(exported: Path) -> None:
    off = {"TRADEWIND__DATA__STALE_BARS": "null"}
    bundled = _invoke(*OPTIMIZE, "--source", "bundled", env=off)
    files = _invoke(*OPTIMIZE, "--data", str(exported), env=off)
    assert bundled.exit_code == files.exit_code == 0, bundled.output + files.output
    ours, theirs = json.loads(files.stdout), json.loads(bundled.stdout)
    assert (ours.pop("source"), theirs.pop("source")) == ("files", "bundled")
    assert ours == theirs


@pytest.mark.parametrize("source", ["bundled", "synthetic"])
def test_every_provider_takes_the_limit_from_the_config(source: str) -> None:
    provider = get_market_data(validate_config({"data": {"source": source, "stale_bars": 3}}))
    assert getattr(provider, "stale_bars", None) == 3


def test_bundled_refuses_the_flat_runs_by_default_and_serves_them_with_the_check_off() -> None:
    default = get_market_data(validate_config({"data": {"source": "bundled"}}))
    with pytest.raises(StaleDataError, match="RRC"):
        default.bars(["RRC"], None, "1991-12-31")
    off = get_market_data(validate_config({"data": {"source": "bundled", "stale_bars": None}}))
    assert len(off.bars(["RRC"], None, "1991-12-31")["RRC"]) == 505


def test_data_import_reports_every_flat_run(exported: Path) -> None:
    result = _invoke("data", "import", str(exported), "--symbols", "RRC", "--json")
    assert result.exit_code == 0, result.output
    (rrc,) = [r for r in json.loads(result.stdout)["symbols"] if r["symbol"] == "RRC"]
    (stale,) = [p for p in rrc["problems"] if p["kind"] == "stale" and p["rows"]]
    assert stale["count"] == 17  # every run of 10+ equal closes in 1990-1992
    assert stale["rows"] == [2, 84, 114, 172, 192]  # the first five runs' lines
    assert "and 16 more such run(s), the longest 69 bars" in stale["message"]


def test_the_old_files_key_is_refused_with_where_it_moved() -> None:
    with pytest.raises(ConfigError, match="stale_bars moved to data.stale_bars"):
        validate_config({"data": {"files": {"stale_bars": 5}}})
    assert TradewindConfig().data.stale_bars == 10
