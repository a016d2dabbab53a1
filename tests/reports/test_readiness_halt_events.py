"""Readiness's "No system errors or crashes" on halts as the store really records them.

The store writes a ``halt_latched`` event (critical) for every halt it latches, beside the
engine's own ``halt`` event. A breaker halt (daily loss, drawdown, consecutive losses) is the
strategy working, not the system failing (README, readiness table), so it must not count as a
system error, nor a person's emergency stop (a decision, recorded with its reason); a
reconciliation halt must.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import servicekit
from runkit import RunSpec, records, rising, sessions
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import validate_config
from tradewind.review import criteria as c
from tradewind.review.evidence import Evidence
from tradewind.store import EventView, open_store


def _latched_events(tmp_path: Path, *kinds: str) -> list[EventView]:
    """The events a real SQLite store records when it latches halts of ``kinds``."""
    cfg = validate_config({"database": {"url": f"sqlite:///{tmp_path / 'tw-{mode}.db'}"}})
    days = sessions(10)
    with open_store(cfg, secrets=[]) as store:
        run = store.start_run(
            name="paper", started_at=datetime(2026, 3, 2, tzinfo=UTC), symbols=["AAA", "BBB"],
            initial_cash=100_000.0,
        )  # fmt: skip
        for i, kind in enumerate(kinds):
            store.latch_halt(kind, f"{kind} halt", ts=days[3 + i].to_pydatetime(), run_id=run)
        return list(store.events(run))


def test_a_breaker_halt_latched_in_the_store_is_not_a_system_error(tmp_path: Path) -> None:
    events = _latched_events(tmp_path, "consecutive_losses")
    assert [e.kind for e in events if e.severity == "critical"] == ["halt_latched"]
    result = c.system_errors_at_most(Evidence.of(records(RunSpec(rising(10), events=events))), 0)
    assert result.status == "pass", result.measured


def test_a_persons_emergency_halt_is_not_a_system_error(tmp_path: Path) -> None:
    events = _latched_events(tmp_path, "emergency")
    assert [e.kind for e in events if e.severity == "critical"] == ["halt_latched"]
    result = c.system_errors_at_most(Evidence.of(records(RunSpec(rising(10), events=events))), 0)
    assert result.status == "pass", result.measured


def test_a_reconciliation_halt_latched_in_the_store_is_one(tmp_path: Path) -> None:
    events = _latched_events(tmp_path, "daily_loss", "reconciliation")
    result = c.system_errors_at_most(Evidence.of(records(RunSpec(rising(10), events=events))), 0)
    assert result.status == "fail" and result.value == 1.0
    assert len(result.details) == 1 and "reconciliation" in result.details[0]


def test_a_replay_that_latched_a_breaker_halt_has_no_system_error(tmp_path: Path) -> None:
    """The trading service replays the synthetic market with a tight daily loss limit: the
    breaker latches (and is resumed by the simulated human); readiness must not list that
    halt under system errors."""
    config = servicekit.write_config(
        tmp_path,
        execution={"fill_price": "close"},
        risk_management={
            "daily_loss_limit": 0.012,
            "daily_loss_warning": 0.006,
            "stop_loss": {"enabled": False},
            "circuit_breaker": {"enabled": True, "backtest_resume_sessions": 3},
        },
    )
    _, result = servicekit.run_inprocess(config, replay=("2020-01-02", "2020-03-31"))
    assert result.status == "finished"
    with open_store(servicekit.load(config), secrets=[]) as store:
        latched = [e for e in store.events(result.run_id) if e.kind == "halt_latched"]
    assert latched and all(e.data and e.data["kind"] == "daily_loss" for e in latched)
    out = CliRunner().invoke(
        app, ["readiness", "--config", str(config), "--mode", "simulated", "--json"]
    )
    payload = json.loads(out.stdout)
    errors = next(x for x in payload["criteria"] if x["criterion"].startswith("No system errors"))
    assert errors["measured"].startswith("0 error(s)"), errors
