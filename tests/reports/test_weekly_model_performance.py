"""The weekly report's "Model Performance" (the runbook's Good / Fair / Poor) for a run that
traded with the ML ensemble: the run folder's weekly files and ``report weekly --week K`` both
say what the ensemble did that week, not "n/a (no ML ensemble)"."""

from __future__ import annotations

from pathlib import Path

import servicekit
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.store import open_store

NO_ML = "n/a (no ML ensemble)"

REPLAY = ("2019-09-03", "2019-10-31")


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_an_ensemble_run_s_weekly_reports_rate_the_models(tmp_path: Path) -> None:
    config = servicekit.write_config(
        tmp_path,
        data={"synthetic": {"seed": 11, "start": "2010-01-04", "end": "2020-12-31"}},
        ml={"enabled": True, "models": ["ridge"], "registry_path": str(tmp_path / "models")},
        reports={"folder": str(tmp_path / "runs"), "write_during_run": False},
    )
    c = str(config)
    _cli("retrain", "--config", c, "--models", "ridge", "--deploy", "--asof", "2019-08-30")
    _, result = servicekit.run_inprocess(config, replay=REPLAY)
    assert result.status == "finished"

    week = " ".join(_cli("report", "weekly", "--config", c, "--mode", "simulated",
                         "--week", "1", "--write").split())  # fmt: skip
    assert "- Model Performance:" in week and NO_ML not in week
    files = sorted(tmp_path.rglob("week-*.md"))
    lines = [ln for f in files for ln in f.read_text("utf-8").splitlines() if "Model Perf" in ln]
    assert len(lines) == len(files) >= 8
    assert not any(NO_ML in ln for ln in lines)
    rated = [ln for ln in lines if ln.split(": ", 1)[1].startswith(("Good", "Fair", "Poor"))]
    assert rated, lines  # the weeks with a rebalance say what the ensemble did


def test_a_replay_before_the_models_training_data_ends_says_how_to_retrain(
    tmp_path: Path,
) -> None:
    """Models trained to the data's end are look-ahead in a replay of the past: the fallback
    alert must name the fix that works there (retrain with --asof before the replay), not only
    the command that produced those models."""
    config = servicekit.write_config(
        tmp_path,
        data={"synthetic": {"seed": 11, "start": "2010-01-04", "end": "2020-12-31"}},
        ml={"enabled": True, "models": ["ridge"], "registry_path": str(tmp_path / "models")},
        reports={"folder": str(tmp_path / "runs"), "write_during_run": False},
    )
    _cli("retrain", "--config", str(config), "--models", "ridge", "--deploy", "--force")
    _, result = servicekit.run_inprocess(config, replay=REPLAY)
    assert result.status == "finished"
    with open_store(servicekit.load(config), secrets=[]) as store:
        events = [e for e in store.events(result.run_id) if e.kind == "ml_fallback"]
    falls = [e.message for e in events]
    # said once a bar: the first bar's targets are computed once even when it rebalances
    assert len({(e.ts, e.message) for e in events}) == len(events), [e.ts for e in events]
    assert falls and all("would be look-ahead" in m for m in falls)
    assert all("tradewind retrain --models all --deploy --asof DATE, DATE before 2019-" in m
               for m in falls), falls[0]  # fmt: skip
