"""The runbook's "Check system status" is ``python scripts/retrain_models.py
--monitoring-status``. With the ML ensemble off (``ml.enabled: false``, tradewind's default) it
reports models the strategy does not use: it says so first and names the service's status
commands, instead of reading as the system failing."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from tradewind.cli.app import app


def _config(folder: Path, enabled: bool) -> Path:
    data = {
        "trading": {"symbols": ["AAA", "BBB", "CCC"]},
        "data": {
            "source": "synthetic",
            "synthetic": {"seed": 3, "start": "2016-01-04", "end": "2019-12-31"},
        },
        "ml": {"enabled": enabled, "registry_path": str(folder / "models")},
        "database": {"url": f"sqlite:///{folder / 'tw-{mode}.db'}"},
        "logging": {"path": str(folder / "trading.log")},
    }
    path = folder / f"ml-{enabled}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_monitoring_status_says_the_ensemble_is_off_and_where_the_status_is(
    tmp_path: Path,
) -> None:
    off = _config(tmp_path, enabled=False)
    args = ["retrain", "--monitoring-status", "--config", str(off)]

    text = CliRunner().invoke(app, args)
    payload = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)

    assert text.exit_code == 1  # still not healthy: nothing is deployed
    first = " ".join(text.output.split())
    assert first.startswith("The ML ensemble is off (ml.enabled: false): the strategy trades on")
    assert "The trading service's status: tradewind status" in first
    assert payload["ml_enabled"] is False and "tradewind status" in payload["note"]
    assert payload["status"] == "unavailable"
    on = CliRunner().invoke(app, ["retrain", "--monitoring-status", "--json", "--config",
                                  str(_config(tmp_path, enabled=True))])  # fmt: skip
    assert json.loads(on.stdout)["ml_enabled"] is True and json.loads(on.stdout)["note"] == ""
    assert (
        "ensemble is off"
        not in CliRunner()
        .invoke(app, ["retrain", "--monitoring-status", "--config", str(_config(tmp_path, True))])
        .output
    )
