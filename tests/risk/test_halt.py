"""Latched halts persist, survive restarts, and clear only through an explicit human resume."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from riskkit import bars, fill
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.domain import Side
from tradewind.engine.feed import MarketFeed
from tradewind.engine.ledger import Ledger
from tradewind.risk import (
    HaltState,
    JsonHaltStore,
    MemoryHaltStore,
    RiskManager,
    RiskStateError,
    StopParams,
)

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "trading_config.yaml"
LATCHED = datetime(2024, 3, 5, 21, tzinfo=UTC)


def _halt(breaker: str = "daily_loss") -> HaltState:
    return HaltState(breaker, f"{breaker} tripped", LATCHED, "paper", {"value": 0.06})


@pytest.mark.parametrize("kind", ["memory", "json"])
def test_a_halt_latches_once_and_clears_only_with_who_and_why(kind: str, tmp_path: Path) -> None:
    store = MemoryHaltStore() if kind == "memory" else JsonHaltStore(tmp_path / "s" / "halt.json")
    assert store.load() is None
    store.latch(_halt("daily_loss"))
    store.latch(_halt("drawdown"))  # the first cause stays
    loaded = store.load()
    assert loaded is not None and loaded.breaker == "daily_loss"
    assert loaded.latched_at == LATCHED and loaded.details == {"value": 0.06}
    with pytest.raises(RiskStateError, match="reason"):
        store.clear("alice", "   ")
    assert store.load() is not None
    at = datetime(2024, 3, 6, 14, tzinfo=UTC)
    record = store.clear("alice", " reviewed every position ", at)
    assert store.load() is None
    assert (record.resumed_by, record.reason, record.resumed_at) == (
        "alice",
        "reviewed every position",
        at,
    )
    assert store.history() == [record]
    with pytest.raises(RiskStateError, match="not halted"):
        store.clear("alice", "again")


def test_json_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    store = JsonHaltStore(tmp_path / "halt-live.json")
    store.latch(_halt())
    store.save_tracker({"equity": 1.0})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "halt-live.json",
        "halt-live.tracker.json",
    ]
    data = json.loads((tmp_path / "halt-live.json").read_text())
    assert data["halt"]["breaker"] == "daily_loss" and data["version"] == 1


def test_an_unreadable_state_file_is_an_error_not_a_green_light(tmp_path: Path) -> None:
    path = tmp_path / "halt.json"
    path.write_text("{ truncated")
    with pytest.raises(RiskStateError, match="cannot read"):
        JsonHaltStore(path).load()
    with pytest.raises(RiskStateError):
        RiskManager(("AAA",), store=JsonHaltStore(path))


def _latch_in_a_fresh_manager(path: Path) -> tuple[RiskManager, MarketFeed]:
    book = Ledger(("AAA",), 100_000.0)
    book.apply(fill("AAA", Side.BUY, 800, 100.0))
    feed = MarketFeed(bars({"AAA": [100.0, 100.0, 110.0, 92.0]}, derived=True))
    risk = RiskManager(
        ("AAA",), stops=StopParams(("trailing",), trailing_pct=0.02), store=JsonHaltStore(path)
    )
    for t in feed.index:
        feed.advance(t)
        risk.on_bar(t, feed, book)
    return risk, feed


def test_the_halt_and_breaker_state_survive_a_restart(tmp_path: Path) -> None:
    # Arrange: one manager latches a halt on a 13% day and saves its tracker.
    path = tmp_path / "halt-paper.json"
    first, _ = _latch_in_a_fresh_manager(path)
    assert first.halted
    # Act: a new manager (a restarted process) on the same file.
    second = RiskManager(
        ("AAA",), stops=StopParams(("trailing",), trailing_pct=0.02), store=JsonHaltStore(path)
    )
    # Assert: still halted; the peak equity and the stop's peak carried over.
    assert second.halted and second.halt == first.halt
    assert second.breakers.state.peak_equity == pytest.approx(20_000 + 800 * 110.0)
    assert second.stop_book is not None and second.stop_book.tracks["AAA"].peak == 110.0
    events = second.drain_events()
    assert events == []  # announced at the first bar of the new process


def test_the_halt_survives_a_real_process_restart(tmp_path: Path) -> None:
    path = tmp_path / "halt-live.json"
    code = (
        "import sys; from datetime import datetime, UTC\n"
        "from tradewind.risk import JsonHaltStore, HaltState\n"
        "JsonHaltStore(sys.argv[1]).latch(HaltState('drawdown', 'drawdown 15.2%', "
        "datetime(2024, 3, 5, 21, tzinfo=UTC), 'live', {'value': 0.152}))\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    risk = RiskManager(("AAA",), store=JsonHaltStore(path))
    assert risk.halted and risk.halt is not None and risk.halt.breaker == "drawdown"
    feed = MarketFeed(bars({"AAA": [100.0]}, derived=True))
    feed.advance(feed.index[0])
    risk.on_bar(feed.index[0], feed, Ledger(("AAA",), 1_000.0))
    (event,) = risk.drain_events()
    assert (event.kind, event.severity) == ("halt", "critical") and "HALTED since" in event.message


def test_resume_command_refuses_without_confirm_or_reason_and_records_the_human(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrange: a latched halt in the state file the config points to.
    path = tmp_path / "halt-{mode}.json"
    monkeypatch.setenv("TRADEWIND__RISK_MANAGEMENT__STATE_PATH", str(path))
    monkeypatch.setenv("TRADEWIND__DATABASE__URL", f"sqlite:///{tmp_path / 'none.db'}")
    monkeypatch.setenv("TRADEWIND__LOGGING__PATH", str(tmp_path / "trading.log"))
    monkeypatch.setenv("USER", "alice")
    store = JsonHaltStore(tmp_path / "halt-simulated.json")
    store.latch(_halt())
    runner = CliRunner()
    base = ["--config", str(CONFIG)]
    # Act / Assert
    no_confirm = runner.invoke(app, ["resume", *base, "--reason", "ok"])
    assert no_confirm.exit_code == 2 and store.load() is not None
    no_reason = runner.invoke(app, ["resume", *base, "--confirm"])
    assert no_reason.exit_code == 2 and store.load() is not None
    status = runner.invoke(app, ["risk", "status", *base, "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["halt"]["breaker"] == "daily_loss"
    done = runner.invoke(app, ["resume", *base, "--confirm", "--reason", "reviewed", "--json"])
    assert done.exit_code == 0, done.output
    assert store.load() is None
    (record,) = store.history()
    assert (record.resumed_by, record.reason) == ("alice", "reviewed")
    again = runner.invoke(app, ["resume", *base, "--confirm", "--reason", "reviewed"])
    assert again.exit_code == 1


def test_status_reports_drawdown_daily_pnl_breaker_distances_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEWIND__RISK_MANAGEMENT__STATE_PATH", str(tmp_path / "h-{mode}.json"))
    monkeypatch.setenv("TRADEWIND__DATABASE__URL", f"sqlite:///{tmp_path / 'none.db'}")
    monkeypatch.setenv("TRADEWIND__LOGGING__PATH", str(tmp_path / "trading.log"))
    _latch_in_a_fresh_manager(tmp_path / "h-simulated.json")
    result = CliRunner().invoke(app, ["risk", "status", "--config", str(CONFIG), "--json"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.output)
    equity = 20_000 + 800 * 92.0
    assert s["source"] == "state_file"  # no database in this mode: the state file
    assert s["halted"] and s["equity"] == pytest.approx(equity)
    assert s["drawdown"] == pytest.approx(1 - equity / (20_000 + 800 * 110.0))
    assert s["daily_pnl"] == pytest.approx(800 * (92.0 - 110.0))
    daily = s["breakers"]["daily_loss"]
    assert daily["to_halt"] == pytest.approx(0.05 - daily["value"])
    (pos,) = s["positions"]
    assert pos["symbol"] == "AAA" and pos["active"]["kind"] == "trailing"
    assert pos["active"]["level"] == pytest.approx(110.0 * 0.98)
    table = CliRunner().invoke(app, ["risk", "status", "--config", str(CONFIG)])
    assert "HALTED" in table.output and "trailing" in table.output
