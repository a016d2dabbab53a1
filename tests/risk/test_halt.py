"""Latched halts persist, survive restarts, and clear only through an explicit human resume.

The risk manager sees halts through the ``HaltStore`` protocol: in memory in a backtest, in the
mode's database in the trading service (:mod:`tradewind.service.halts`). Both behave alike; the
database's survive a process restart and are cleared by ``tradewind resume``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from riskkit import bars, fill
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.domain import Side
from tradewind.domain.ledger import Ledger
from tradewind.engine.feed import MarketFeed
from tradewind.risk import HaltState, MemoryHaltStore, RiskManager, RiskStateError, StopParams
from tradewind.risk.halt import HaltStore
from tradewind.service.checkpoint import Checkpoint, save_checkpoint
from tradewind.service.halts import HaltScope, ReplayHaltScope, RunHalts
from tradewind.store import Store

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "trading_config.yaml"
LATCHED = datetime(2024, 3, 5, 21, tzinfo=UTC)


def _halt(breaker: str = "daily_loss") -> HaltState:
    return HaltState(breaker, f"{breaker} tripped", LATCHED, "", {"value": 0.06})


def _run(store: Store) -> int:
    return store.start_run(
        name="simulated", started_at=LATCHED, symbols=["AAA"], initial_cash=100_000.0
    )


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'tradewind-simulated.db'}"


@pytest.mark.parametrize("kind", ["memory", "database"])
def test_a_halt_latches_once_and_clears_only_with_who_and_why(kind: str, database: str) -> None:
    db = Store(database, mode="simulated") if kind == "database" else None
    # a replay's own store: the simulated resume is the one clear a run may make itself
    store: HaltStore = (
        RunHalts(ReplayHaltScope(db, _run(db)), None) if db is not None else MemoryHaltStore()
    )
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
    if db is not None:
        db.close()


def test_a_wall_clock_run_cannot_clear_its_own_halt(database: str) -> None:
    with Store(database, mode="simulated") as db:
        halts = RunHalts(HaltScope(db, _run(db)), None)
        halts.latch(_halt())
        with pytest.raises(RiskStateError, match="only through a person"):
            halts.clear("backtest", "simulated resume", LATCHED)
        assert halts.load() is not None


def _latch_in_a_fresh_manager(database: str) -> RiskManager:
    """A wall-clock run's manager halts on a 13% day (its halt in the database)."""
    book = Ledger(("AAA",), 100_000.0)
    book.apply(fill("AAA", Side.BUY, 800, 100.0))
    feed = MarketFeed(bars({"AAA": [100.0, 100.0, 110.0, 92.0]}, derived=True))
    store = Store(database, mode="simulated")
    halts = RunHalts(HaltScope(store, _run(store)), None)
    risk = RiskManager(
        ("AAA",),
        stops=StopParams(("trailing",), trailing_pct=0.02),
        store=halts,
        tracker_store=halts,
    )
    for t in feed.index:
        feed.advance(t)
        risk.on_bar(t, feed, book)
    return risk


def test_the_halt_and_breaker_state_survive_a_restart(database: str) -> None:
    # Arrange: one manager latches a halt on a 13% day; its state goes into the checkpoint.
    first = _latch_in_a_fresh_manager(database)
    assert first.halted
    saved = json.loads(json.dumps(first.state()))  # as the checkpoint stores it
    # Act: a new manager (a restarted process, a new run) on the same database.
    with Store(database, mode="simulated") as store:
        halts = RunHalts(HaltScope(store, _run(store)), None)
        second = RiskManager(
            ("AAA",), stops=StopParams(("trailing",), trailing_pct=0.02), store=halts
        )
        second.restore(saved)
        # Assert: still halted; the peak equity and the stop's peak carried over.
        assert second.halted and second.halt == first.halt
        assert second.breakers.state.peak_equity == pytest.approx(20_000 + 800 * 110.0)
        assert second.stop_book is not None and second.stop_book.tracks["AAA"].peak == 110.0
        assert second.state()["tracker"] == saved["tracker"]
        assert second.drain_events() == []  # announced at the first bar of the new process


def test_the_halt_survives_a_real_process_restart(database: str) -> None:
    code = (
        "import sys; from datetime import datetime, UTC\n"
        "from tradewind.risk import HaltState\n"
        "from tradewind.service.halts import HaltScope, RunHalts\n"
        "from tradewind.store import Store\n"
        "store = Store(sys.argv[1], mode='simulated')\n"
        "run = store.start_run(name='simulated', started_at=datetime.now(UTC), symbols=['AAA'],"
        " initial_cash=1.0)\n"
        "RunHalts(HaltScope(store, run), None).latch(HaltState('drawdown', 'drawdown 15.2%', "
        "datetime(2024, 3, 5, 21, tzinfo=UTC), '', {'value': 0.152}))\n"
    )
    subprocess.run([sys.executable, "-c", code, database], check=True, timeout=60)
    with Store(database, mode="simulated") as store:
        risk = RiskManager(("AAA",), store=RunHalts(HaltScope(store, _run(store)), None))
        assert risk.halted and risk.halt is not None and risk.halt.breaker == "drawdown"
        feed = MarketFeed(bars({"AAA": [100.0]}, derived=True))
        feed.advance(feed.index[0])
        risk.on_bar(feed.index[0], feed, Ledger(("AAA",), 1_000.0))
        (event,) = risk.drain_events()
    assert (event.kind, event.severity) == ("halt", "critical") and "HALTED since" in event.message


def test_resume_command_refuses_without_confirm_or_reason_and_records_the_human(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrange: a latched halt in the database the config points to.
    monkeypatch.setenv("TRADEWIND__DATABASE__URL", database)
    monkeypatch.setenv("USER", "alice")
    store = Store(database, mode="simulated")
    halts = RunHalts(HaltScope(store, _run(store)), None)
    halts.latch(_halt())
    runner = CliRunner()
    base = ["--config", str(CONFIG)]
    # Act / Assert
    no_confirm = runner.invoke(app, ["resume", *base, "--reason", "ok"])
    assert no_confirm.exit_code == 2 and halts.load() is not None
    no_reason = runner.invoke(app, ["resume", *base, "--confirm"])
    assert no_reason.exit_code == 2 and halts.load() is not None
    status = runner.invoke(app, ["risk", "status", *base, "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["halt"]["breaker"] == "daily_loss"
    done = runner.invoke(app, ["resume", *base, "--confirm", "--reason", "reviewed", "--json"])
    assert done.exit_code == 0, done.output
    assert halts.load() is None
    (record,) = halts.history()
    assert (record.resumed_by, record.reason) == ("alice", "reviewed")
    again = runner.invoke(app, ["resume", *base, "--confirm", "--reason", "reviewed"])
    assert again.exit_code == 1
    store.close()


def test_a_mode_without_a_database_is_not_halted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEWIND__DATABASE__URL", f"sqlite:///{tmp_path / 'none.db'}")
    status = CliRunner().invoke(app, ["risk", "status", "--config", str(CONFIG), "--json"])
    assert status.exit_code == 0, status.output
    payload = json.loads(status.output)
    assert payload["halted"] is False and "no database yet" in payload["note"]
    resume = CliRunner().invoke(app, ["resume", "--config", str(CONFIG), "--confirm", "-r", "x"])
    assert resume.exit_code == 1 and "no database yet" in resume.output
    assert not (tmp_path / "none.db").exists()


def test_status_reports_drawdown_daily_pnl_breaker_distances_and_stops(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEWIND__DATABASE__URL", database)
    risk = _latch_in_a_fresh_manager(database)
    with Store(database, mode="simulated") as store:  # the cycle's checkpoint, as the service
        run = store.latest_run()
        assert run is not None
        save_checkpoint(store, run.id, Checkpoint(LATCHED, 0, 4, {}, risk.state(), {}))
    result = CliRunner().invoke(app, ["risk", "status", "--config", str(CONFIG), "--json"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.output)
    equity = 20_000 + 800 * 92.0
    assert s["source"] == "database"
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
