"""``tradewind halt``: the emergency stop from the command line, against a real service.

A wall-clock run (simulated broker, fake clock) trades; while it waits between two cycles, a
person runs ``tradewind halt --reason ...`` in the same mode: from the next cycle on nothing is
bought, the run ends halted, a new start of the mode is halted too, and ``tradewind resume``
clears it. Without a reason nothing is latched; a second halt changes nothing; with a channel
enabled the critical alert is queued in the outbox in the same transaction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from servicekit import FakeClock, load, run_wall, write_config
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.domain import Side
from tradewind.store import Store

START = "2020-02-03 09:31"


def _cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


class HaltingClock(FakeClock):
    """A fake wall clock on which a person runs ``tradewind halt`` during the ``at``-th wait."""

    def __init__(self, start: str, config: Path, at: int) -> None:
        super().__init__(start)
        self.config, self.at, self.waits = config, at, 0
        self.halted_at: pd.Timestamp | None = None
        self.answer: Any = None

    def wait(self, seconds: float) -> bool:
        self.waits += 1
        if self.waits == self.at:
            self.halted_at = self.t
            self.answer = _cli("halt", "-c", str(self.config), "--reason", "broker outage")
        return super().wait(seconds)


def _buys_after(store: Store, run_id: int, t: pd.Timestamp) -> list[Any]:
    return [
        o
        for o in store.orders(run_id)
        if o.request.side is Side.BUY and pd.Timestamp(o.request.created_at) > t
    ]


def test_a_halt_from_the_command_line_stops_a_running_service_until_resumed(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    clock = HaltingClock(START, config, at=4)
    result = run_wall(config, clock, 10)
    assert clock.answer.exit_code == 0, clock.answer.output
    assert "HALTED" in clock.answer.output and "broker outage" in clock.answer.output
    assert result.halted and result.cycles == 10
    cfg = load(config)
    with Store(cfg.database_url, mode=None) as store:
        [halt] = store.active_halts()
        assert halt.kind == "emergency" and "broker outage" in halt.reason
        assert clock.halted_at is not None
        assert [o for o in store.orders(1) if o.request.side is Side.BUY]  # it had traded
        assert _buys_after(store, 1, clock.halted_at) == []  # nothing bought after the halt
        assert "halt_latched" in {e.kind for e in store.events()}
    status = _cli("risk", "status", "-c", str(config), "--json")
    assert json.loads(status.output)["halts"][0]["kind"] == "emergency"
    # a new start of the mode is halted too, until a person resumes
    again = run_wall(config, FakeClock(str(clock.t.tz_convert("America/New_York"))[:16]), 2)
    assert again.halted
    resumed = _cli("resume", "-c", str(config), "--confirm", "--reason", "outage over")
    assert resumed.exit_code == 0, resumed.output
    with Store(cfg.database_url, mode=None) as store:
        assert store.active_halts() == []


def test_halt_needs_a_reason_and_latches_once(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    refused = _cli("halt", "-c", str(config))
    assert refused.exit_code == 2 and "--reason" in refused.output
    assert not (tmp_path / "tw.db").exists()  # nothing written without a reason
    first = _cli("halt", "-c", str(config), "-r", "positions unclear", "--json")
    second = _cli("halt", "-c", str(config), "-r", "second thoughts", "--json")
    a, b = json.loads(first.output), json.loads(second.output)
    assert a["latched"] is True and b["latched"] is False
    assert a["kind"] == b["kind"] == "emergency" and "positions unclear" in b["reason"]
    assert a["channels"] == [] and "tradewind resume" in a["resume"]
    with Store(load(config).database_url, mode=None) as store:
        assert len(store.active_halts()) == 1


def test_the_alert_is_queued_for_every_enabled_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "DISCORD_WEBHOOK_URL",
        "https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz_-0123",
    )
    config = write_config(tmp_path, notifications={"discord": {"enabled": True}})
    answer = _cli("halt", "-c", str(config), "-r", "kill switch drill")
    assert answer.exit_code == 0, answer.output
    assert "queued for discord" in answer.output
    assert "otherwise: tradewind notify run --once" in " ".join(answer.output.split())
    with Store(load(config).database_url, mode=None) as store:
        [queued] = store.notifications()
        assert queued.channel == "discord" and queued.status == "pending"
        assert "kill switch drill" in json.dumps(queued.payload)
