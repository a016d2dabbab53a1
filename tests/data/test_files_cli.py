"""``tradewind data import / export`` and ``--data`` on ``data show`` / ``data list``."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewind.calendar import nyse
from tradewind.cli.app import app
from tradewind.cli.common import config_with_source
from tradewind.config import TradewindConfig
from tradewind.domain.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """\
trading:
  symbols: [AAPL, MSFT]
risk_management:
  max_position_size: 0.5
data:
  source: bundled
  stale_after_days: 5
"""


@pytest.fixture(autouse=True)
def _tmp_cwd(in_tmp_cwd: Path) -> None:
    """Run every command in an empty folder: the repository's logs/ and data/ stay untouched."""


def run(*args: str) -> tuple[int, str]:
    """Exit code and output; with ``--json``, stdout alone (what a script parses: warnings go to
    stderr)."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout if "--json" in args else result.output


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A config file, and the bundled AAPL, MSFT and SP500 exported to CSV by the CLI."""
    root = tmp_path_factory.mktemp("cli")
    config = root / "config.yaml"
    # the log goes beside the config: tests leave the repository's logs/ untouched
    config.write_text(CONFIG + f"logging:\n  path: {root / 'trading.log'}\n")
    folder = root / "prices"
    code, out = run(
        "data", "export", "--source", "bundled", "--to", str(folder),
        "--symbols", "AAPL,MSFT", "--config", str(config),
    )  # fmt: skip
    assert code == 0, out
    return config, folder


def test_export_writes_one_file_per_symbol_plus_benchmark_and_vix(
    workspace: tuple[Path, Path],
) -> None:
    _, folder = workspace
    assert sorted(p.name for p in folder.iterdir()) == [
        "AAPL.csv",
        "MSFT.csv",
        "SP500.csv",
        "VIX.csv",
    ]
    assert (folder / "AAPL.csv").read_text().startswith("date,close\n1990-01-02,")


def test_import_reports_each_symbol_and_passes(workspace: tuple[Path, Path]) -> None:
    config, folder = workspace
    code, out = run("data", "import", str(folder), "--config", str(config), "--json")
    assert code == 0, out
    payload = json.loads(out)
    assert payload["ok"] is True
    rows = {r["symbol"]: r for r in payload["symbols"]}
    assert set(rows) == {"AAPL", "MSFT", "SP500", "VIX"}
    assert rows["AAPL"]["rows"] == 8313
    assert rows["AAPL"]["first"].startswith("1990-01-02")
    assert rows["AAPL"]["missing_sessions"] == 0
    assert rows["AAPL"]["derived_ohlc"] is True
    assert rows["SP500"]["role"] == "benchmark"
    code, text = run("data", "import", str(folder), "--config", str(config))
    assert code == 0
    assert "OK: use them with --source files" in text


def test_show_with_data_serves_the_same_bars_as_the_bundled_source(
    workspace: tuple[Path, Path],
) -> None:
    config, folder = workspace
    args = ["data", "show", "AAPL", "--start", "2020-03-01", "--end", "2020-03-31", "--json"]
    code, files_out = run(*args, "--data", str(folder), "--config", str(config))
    assert code == 0, files_out
    code, bundled_out = run(*args, "--source", "bundled", "--config", str(config))
    assert code == 0, bundled_out
    ours, theirs = json.loads(files_out), json.loads(bundled_out)
    assert ours["source"] == "files"
    assert ours["bars"] == theirs["bars"]
    assert ours["derived_ohlc"] is True


def test_list_with_data_lists_the_files(workspace: tuple[Path, Path]) -> None:
    config, folder = workspace
    code, out = run("data", "list", "--data", str(folder), "--config", str(config), "--json")
    assert code == 0, out
    rows = json.loads(out)["symbols"]
    assert [r["symbol"] for r in rows] == ["AAPL", "MSFT", "SP500", "VIX"]
    assert rows[-1]["kind"] == "vix"


def test_list_names_the_bundled_vix_with_its_proxy_share() -> None:
    code, out = run("data", "list", "--source", "bundled", "--json")
    assert code == 0, out
    (vix,) = [r for r in json.loads(out)["symbols"] if r["symbol"] == "VIX"]
    assert vix["kind"] == "vix"
    assert vix["first"].startswith("1990-01-31")  # the proxy needs 21 sessions of returns
    assert vix["last"].startswith("2022-12-28")
    observed = vix["bars"] - vix["proxy_rows"]
    assert observed == len(nyse().sessions("2014-01-03", "2019-01-03"))  # 2014-2019 observed
    assert "CBOE VIX" in vix["vix_source"]


def test_export_refuses_to_overwrite(workspace: tuple[Path, Path]) -> None:
    config, folder = workspace
    code, out = run(
        "data", "export", "--source", "bundled", "--to", str(folder),
        "--symbols", "AAPL", "--config", str(config),
    )  # fmt: skip
    assert code == 3
    assert "already exist" in out


def test_data_with_another_source_is_a_config_error(workspace: tuple[Path, Path]) -> None:
    config, folder = workspace
    code, out = run(
        "data",
        "show",
        "AAPL",
        "--source",
        "bundled",
        "--data",
        str(folder),
        "--config",
        str(config),
    )
    assert code == 2
    assert "--data is only for --source files" in out


def test_import_of_a_malformed_folder_lists_every_problem_and_fails(
    workspace: tuple[Path, Path], tmp_path: Path
) -> None:
    config, folder = workspace
    good = (folder / "AAPL.csv").read_text().splitlines()
    good[5] = good[5].split(",")[0] + ",-1"
    (tmp_path / "AAPL.csv").write_text("\n".join(good) + "\n")
    (tmp_path / "MSFT.csv").write_text("When,Close\n2020-01-02,1\n")
    (tmp_path / "notes.txt.bak").write_text("ignored: not a data file name")
    code, out = run("data", "import", str(tmp_path), "--config", str(config))
    assert code == 3
    flat = " ".join(out.split())
    assert "AAPL.csv, line 6: Close is zero or negative" in flat
    assert "MSFT.csv: no date column" in flat
    assert "no file for SP500" in flat
    assert "Fix:" in flat
    status = {line.split()[1]: line for line in out.splitlines() if line.startswith("│ ")}
    assert "no file" in status["SP500"]
    assert "no file" not in status["AAPL"] and "1 error(s)" in status["AAPL"]  # a file, refused
    code, out = run(
        "data", "import", str(tmp_path), "--symbols", "AAPL", "--json", "--config", str(config)
    )
    assert code == 3
    problems = json.loads(out)["symbols"][0]["problems"]
    assert problems[0]["rows"] == [6]


def test_export_of_the_synthetic_source_to_parquet_reads_back(
    workspace: tuple[Path, Path], tmp_path: Path
) -> None:
    config, _ = workspace
    code, out = run(
        "data", "export", "--source", "synthetic", "--to", str(tmp_path), "--format", "parquet",
        "--config", str(config), "--json",
    )  # fmt: skip
    assert code == 0, out
    written = {f["symbol"] for f in json.loads(out)["files"]}
    assert written == {"AAPL", "MSFT", "SP500", "VIX"}
    code, out = run(
        "data",
        "show",
        "MSFT",
        "--data",
        str(tmp_path),
        "--json",
        "-n",
        "3",
        "--config",
        str(config),
    )
    assert code == 0, out
    assert len(json.loads(out)["bars"]) == 3


def test_config_with_source_sets_source_and_path() -> None:
    cfg = TradewindConfig()
    assert config_with_source(cfg, None, None) is cfg
    files = config_with_source(cfg, None, Path("prices"))
    assert (files.data.source, files.data.path) == ("files", "prices")
    assert config_with_source(cfg, "synthetic", None).data.source == "synthetic"
    with pytest.raises(ConfigError, match="needs --data PATH"):
        config_with_source(cfg, "files", None)
    with pytest.raises(ConfigError, match="only for --source files"):
        config_with_source(cfg, "bundled", "prices")


def test_json_goes_to_stdout_alone_even_where_there_is_no_config(
    workspace: tuple[Path, Path], in_tmp_cwd: Path
) -> None:
    _, folder = workspace
    result = CliRunner().invoke(app, ["data", "list", "--data", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    assert "no config/trading_config.yaml here" in " ".join(result.stderr.split())
    assert json.loads(result.stdout)["source"] == "files"


def test_the_hint_printed_after_an_export_is_a_command_that_works(tmp_path: Path) -> None:
    config = ROOT / "config" / "trading_config.yaml"  # lists GOOGL, NVDA, ...: not bundled
    folder = tmp_path / "exported prices"
    code, out = run(
        "data", "export", "--source", "bundled", "--symbols", "AAPL,MSFT", "--to", str(folder),
        "--config", str(config),
    )  # fmt: skip
    assert code == 0, out
    (hint,) = [line for line in out.splitlines() if line.startswith("Check them with: ")]
    argv = shlex.split(hint.removeprefix("Check them with: "))
    assert argv[:3] == ["tradewind", "data", "import"]
    code, out = run(*argv[1:])
    assert code == 0, out
    assert "OK: use them with --source files" in out
