"""The runbook's "Check if rebalancing is scheduled today" and the dashboard's drift against
the threshold say what the engine's next cycle will do.

A stop exit takes its symbol out of the engine's targets until the next rebalance (its cash
waits); the checklist and the Portfolio tab used to measure drift against the optimizer's last
targets instead, and on the runbook's settings announced "rebalance yes: drift 80.0% >= 10%"
for a portfolio the engine saw at 0% drift. Here the shipped configuration (the runbook's
symbols and stops on the synthetic market) is replayed through the trading service, and both
are held to the engine's own checkpoint.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.dashboard.portfolio import portfolio_state
from tradewind.dashboard.view import build_view
from tradewind.rebalance.triggers import drift_from_arrays
from tradewind.review.benchmark import with_benchmark
from tradewind.service.checkpoint import load_checkpoint
from tradewind.service.records import load_records
from tradewind.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _shipped_config(folder: Path) -> Path:
    data = yaml.safe_load((ROOT / "config" / "trading_config.yaml").read_text("utf-8"))
    data["database"] = {"url": f"sqlite:///{folder / 'tw-{mode}.db'}"}
    data["logging"] = {"path": str(folder / "trading.log")}
    data["reports"] = {"folder": str(folder / "runs"), "write_during_run": False}
    data["data"]["cache"] = {"path": str(folder / "cache")}
    path = folder / "trading_config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_drift_after_stops_is_the_engine_s(tmp_path: Path) -> None:
    config = _shipped_config(tmp_path)
    c = str(config)
    runner = CliRunner()
    trade = runner.invoke(
        app, ["trade", "--config", c, "--replay", "2022-01-03:2022-06-30", "--speed", "max"]
    )
    assert trade.exit_code == 0, trade.output
    cfg = load_config(config)
    with Store(cfg.database_url, mode=None) as store:
        records = with_benchmark(load_records(store, 1))
        engine = load_checkpoint(store, 1)
        view = build_view(store, records, cfg)
    assert engine is not None
    weights = np.asarray(records.recorder.weights[-1])
    optimizer = np.asarray(
        next(d for d in reversed(records.recorder.decisions) if d.targets).targets
    )
    targets = np.asarray(engine.engine["targets"])
    dropped = (optimizer > 0) & (targets == 0)
    assert dropped.any(), "precondition: a stop took a symbol out of the engine's targets"
    naive = drift_from_arrays(weights, optimizer).portfolio
    truth = drift_from_arrays(weights, targets).portfolio
    assert naive >= 0.10 > truth  # the optimizer's targets would announce a drift rebalance

    out = runner.invoke(app, ["checklist", "morning", "--config", c, "--json"])
    assert out.exit_code == 0, out.output
    items = json.loads(out.stdout)["items"]
    due = next(i for i in items if i["item"] == "Check if rebalancing is scheduled today")
    assert f"drift {naive:.1%}" not in due["detail"]
    assert "stopped-out position(s) left the targets" in due["detail"]

    trigger = portfolio_state(view).next_trigger
    assert trigger.drift == truth and not trigger.drift_due
    assert "stopped-out" in trigger.note
