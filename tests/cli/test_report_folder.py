"""``tradewind backtest`` writes its report folder under the configured ``reports.folder`` when
no ``--out`` is given (the trade service and ``tradewind report`` already did; runbook audit,
item G), and ``--out`` still wins."""

from __future__ import annotations

import json
from pathlib import Path

from clikit import write_config
from typer.testing import CliRunner

from tradewind.cli.app import app

PERIOD = ["--start", "2019-01-02", "--end", "2019-12-31"]


def test_a_backtest_writes_under_reports_folder_unless_out_says_where(in_tmp_cwd: Path) -> None:
    reports = in_tmp_cwd / "elsewhere" / "reports"
    config = write_config(in_tmp_cwd, reports={"folder": str(reports)})
    result = CliRunner().invoke(app, ["backtest", "-c", str(config), *PERIOD, "--no-record"])
    assert result.exit_code == 0, result.output
    folder = reports / "backtest-synthetic-20190102-20191231"
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["performance"]["final_equity"] > 0
    assert (folder / "tracking.csv").exists() and (folder / "tearsheet.html").exists()
    assert not (in_tmp_cwd / "runs").exists()  # nothing under the working directory's runs/

    out = in_tmp_cwd / "chosen"
    result = CliRunner().invoke(
        app, ["backtest", "-c", str(config), *PERIOD, "--no-record", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "summary.json").exists()
