"""``tradewind halt`` and ``resume`` reach the mode a service runs in; ``status`` names it.

The runbook's ``start_trading.py --paper`` (``tradewind trade --paper``) runs a simulated
config in paper mode, whose database (``database.url`` with ``{mode}``) is the paper one. A
bare ``tradewind halt`` latches in the config's own mode (simulated): the paper service was
never halted and nothing said so. ``--mode`` picks the mode; without it, a halt that reaches no
running service while one runs in another mode says so and exits 1, and ``tradewind status``
(the runbook's "Check system is running") names a service running in another mode.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml
from servicekit import load, write_config
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.cli.runs_common import config_for_mode
from tradewind.service.heartbeat import InstanceLock
from tradewind.service.paths import lock_path
from tradewind.store import Store


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _per_mode_config(folder: Path) -> Path:
    config = write_config(folder)
    data = yaml.safe_load(config.read_text("utf-8"))
    data["database"] = {"url": f"sqlite:///{folder / 'tw-{mode}.db'}"}
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config


def _active(config: Path, mode: str) -> int:
    url = config_for_mode(load(config), mode).database_url
    with Store(url, mode=None) as store:
        return len(store.active_halts())


def test_a_halt_that_misses_the_running_service_says_so_and_mode_reaches_it(
    tmp_path: Path,
) -> None:
    config = _per_mode_config(tmp_path)  # trading.mode: simulated
    paper = InstanceLock(lock_path(config_for_mode(load(config), "paper")))
    paper.acquire({"mode": "paper"})  # a service started with --paper holds its database
    try:
        missed = _cli("halt", "-c", str(config), "--reason", "broker outage")
        hit = _cli("halt", "-c", str(config), "--mode", "paper", "--reason", "broker outage",
                   "--json")  # fmt: skip
    finally:
        paper.release()

    assert missed.exit_code == 1, missed.output
    said = " ".join(missed.stderr.split())
    assert "No trading service runs in mode simulated, but one runs in paper (pid " in said
    assert "that service is NOT halted. Halt it with: tradewind halt --mode paper --reason" in said
    assert hit.exit_code == 0, hit.output
    answer = json.loads(hit.stdout)
    assert answer["mode"] == "paper" and answer["latched"] is True
    assert answer["service_running"] is True and answer["services_in_other_modes"] == []
    assert _active(config, "paper") == 1 and _active(config, "simulated") == 1
    risk = json.loads(_cli("risk", "status", "-c", str(config), "-m", "paper", "--json").stdout)
    assert risk["mode"] == "paper" and [h["kind"] for h in risk["halts"]] == ["emergency"]
    resumed = _cli("resume", "-c", str(config), "--mode", "paper", "--confirm", "-r", "checked")
    assert resumed.exit_code == 0, resumed.output
    assert _active(config, "paper") == 0 and _active(config, "simulated") == 1
    bad = _cli("halt", "-c", str(config), "--mode", "backtest", "--reason", "x")
    assert bad.exit_code == 2
    assert "--mode must be simulated, paper or live" in " ".join(bad.stderr.split())


def test_with_no_service_anywhere_a_halt_is_a_plain_halt(tmp_path: Path) -> None:
    config = _per_mode_config(tmp_path)

    answer = _cli("halt", "-c", str(config), "--reason", "drill", "--json")

    assert answer.exit_code == 0, answer.output
    payload = json.loads(answer.stdout)
    assert payload["service_running"] is False and payload["services_in_other_modes"] == []
    refused = _cli("resume", "-c", str(config), "--mode", "paper", "-r", "checked")
    assert refused.exit_code == 2
    assert "--mode paper" in " ".join(refused.stderr.split())  # kept in the example line


def test_status_names_a_service_running_in_another_mode(tmp_path: Path) -> None:
    config = _per_mode_config(tmp_path)
    paper = InstanceLock(lock_path(config_for_mode(load(config), "paper")))
    paper.acquire({"mode": "paper"})
    try:
        text = _cli("status", "-c", str(config))
        payload = json.loads(_cli("status", "-c", str(config), "--json").stdout)
    finally:
        paper.release()

    assert text.exit_code == 0, text.output
    said = " ".join(text.output.split())
    assert said.startswith("tradewind simulated: not running")
    assert f"a tradewind service is RUNNING in mode paper (pid {os.getpid()}): tradewind " in said
    assert payload["running"] is False
    assert payload["running_in_other_modes"] == [{"mode": "paper", "pid": os.getpid()}]
    alone = json.loads(_cli("status", "-c", str(config), "--json").stdout)
    assert alone["running_in_other_modes"] == []
