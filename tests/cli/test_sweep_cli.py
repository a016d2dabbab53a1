"""``tradewind sweep`` and ``tradewind sweep report`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tradewind.cli.app import app

CONFIG = """\
trading:
  symbols: [AAPL, MSFT, JPM, JNJ, XOM]
portfolio_optimization:
  regime_aware: false
notifications:
  discord:
    enabled: false
data:
  source: bundled
logging:
  path: logs/trading.log
"""
SPACE = """\
method: random
trials: 3
seed: 4
params:
  portfolio_optimization.rebalancing.drift_threshold: [0.02, 0.1, 0.2]
  portfolio_optimization.lookback_days: [63, 126]
"""
PERIOD = ["--start", "2019-01-02", "--end", "2019-12-31"]


def _write(folder: Path) -> list[str]:
    (folder / "cfg.yaml").write_text(CONFIG)
    (folder / "space.yaml").write_text(SPACE)
    return ["sweep", "-c", "cfg.yaml", "--space", "space.yaml", *PERIOD, "--workers", "2"]


def test_sweep_streams_results_resumes_and_reports(in_tmp_cwd: Path) -> None:
    args = _write(in_tmp_cwd)
    first = CliRunner().invoke(app, [*args, "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    folder = Path(data["run"]["folder"])
    assert folder.parent == Path("runs/sweeps") and (in_tmp_cwd / folder / "sweep.json").exists()
    assert (data["run"]["ran"], data["run"]["skipped"], data["planned"]) == (3, 0, 3)
    assert len(data["trials"]) == 3 and all(t["status"] == "ok" for t in data["trials"])
    assert set(data["trials"][0]["params"]) == {
        "portfolio_optimization.rebalancing.drift_threshold",
        "portfolio_optimization.lookback_days",
    }
    assert data["deflated_sharpe"]["trials"] == data["effective_trials"]
    assert (in_tmp_cwd / folder / "report.html").read_text().count("<h1>Sweep") == 1

    again = CliRunner().invoke(app, [*args, "--json"])  # the same command: nothing to run
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["run"] == {**data["run"], "ran": 0, "skipped": 3}

    report = CliRunner().invoke(app, ["sweep", "report", folder.name, "--json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["trials"] == data["trials"]

    shown = CliRunner().invoke(app, ["sweep", "report", str(folder)])
    assert shown.exit_code == 0, shown.output
    assert "3 successful trials" in shown.stdout and "Distribution" in shown.stdout


def test_a_two_parameter_grid_report_has_a_heat_map(in_tmp_cwd: Path) -> None:
    _write(in_tmp_cwd)
    grid = ["--set", "portfolio_optimization.rebalancing.drift_threshold=0.02,0.2",
            "--set", "portfolio_optimization.lookback_days=63,126"]  # fmt: skip
    args = ["sweep", "-c", "cfg.yaml", *grid, *PERIOD, "--workers", "1", "--out", "g"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "4 trials ran on local, 1 process" in result.stdout.replace("\n", " ")
    page = (in_tmp_cwd / "g" / "report.html").read_text()
    assert '"type":"heatmap"' in page


def test_usage_errors_name_the_fix(in_tmp_cwd: Path) -> None:
    args = _write(in_tmp_cwd)
    cases = {
        ("sweep", "-c", "cfg.yaml"): "nothing to sweep: give --set",
        (*args, "--executor", "ray"): "--executor ray is not available yet",
        (*args, "--executor", "spark"): "--executor 'spark' is unknown; allowed: dask, local, ray",
        (*args, "--address", "tcp://127.0.0.1:8786"): "--address is for --executor dask",
        ("sweep", "report", "nowhere"): "is not a sweep folder",
    }
    for argv, message in cases.items():
        result = CliRunner().invoke(app, list(argv))
        assert result.exit_code in (2, 3), (argv, result.output)
        assert message in " ".join(result.output.split()), (argv, result.output)
    assert not (in_tmp_cwd / "runs").exists()
