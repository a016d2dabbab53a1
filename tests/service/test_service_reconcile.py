"""Reconcile-before-trade: a difference between the broker and the store that no order explains
(a trade placed by hand in the broker's app) halts trading, latched across restarts; after a
person resumes, the broker's account is adopted and trading carries on. SIGTERM stops cleanly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
from servicekit import SHORT, assert_consistent, load, run_inprocess, write_config

from tradewind.brokers.sim_journal import SimJournal, request_to_json
from tradewind.domain import ClientOrderId, OrderRequest, Side, Symbol
from tradewind.service import TradeOptions
from tradewind.service.halts import resume_mode
from tradewind.store import Store


def _options(max_cycles: int | None = None) -> TradeOptions:
    start = pd.Timestamp(SHORT[0], tz="America/New_York")
    end = pd.Timestamp(SHORT[1], tz="America/New_York") + pd.Timedelta(hours=23)
    return TradeOptions(replay=(start, end), max_cycles=max_cycles, error_backoff=(0.0,))


def test_an_unexplained_position_halts_until_a_person_resumes_then_is_adopted(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, execution={"fill_price": "close"})
    cfg = load(config)
    _, first = run_inprocess(config, options=_options(max_cycles=30))
    assert first.status == "stopped" and first.cycles == 30
    # someone buys 10 AAA by hand in the broker's app
    with Store(cfg.database_url, mode=None) as store:
        dbid = store.load_state("service.database_id")["id"]  # type: ignore[index]
        last = store.last_cycle(1)
    assert last is not None
    manual = OrderRequest(ClientOrderId("manual-1"), Symbol("AAA"), Side.BUY, 10.0, last.ts)
    journal = SimJournal(tmp_path / "tw.simbroker.db")
    journal.append(f"{dbid}:run-1", "submit", pd.Timestamp(last.ts), request_to_json(manual))
    journal.close()

    _, halted = run_inprocess(config, options=_options())
    assert halted.halted and halted.cycles == 0  # not a single trade on a wrong picture
    with Store(cfg.database_url, mode=None) as store:
        halt = store.active_halt()
        assert halt is not None and halt.kind == "reconciliation"
        assert "position AAA" in halt.details and "cash" in halt.details
        assert store.last_cycle(1).ts == last.ts  # type: ignore[union-attr]
    _, still = run_inprocess(config, options=_options())  # a restart does not clear it
    assert still.halted and still.cycles == 0

    resume_mode(cfg, "tester", "the 10 AAA were bought by hand; keep them")
    _, resumed = run_inprocess(config, options=_options())
    assert resumed.status == "finished" and not resumed.halted
    with Store(cfg.database_url, mode=None) as store:
        kinds = [e.kind for e in store.events(1)]
        assert "reconciliation_adopted" in kinds
        assert store.active_halt() is None
    assert_consistent(tmp_path)  # broker and store agree again (the 10 AAA in the baseline)


def _cycles_recorded(db: Path) -> int:
    """Cycles the service has committed so far (0 before its database exists)."""
    if not db.exists():
        return 0
    con = sqlite3.connect(db, timeout=5)
    try:
        return int(con.execute("SELECT count(*) FROM cycles").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not created yet
        return 0
    finally:
        con.close()


def test_sigterm_finishes_the_cycle_stops_cleanly_and_the_next_start_resumes(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, execution={"fill_price": "close"})
    cmd = [
        sys.executable,
        "-c",
        "from tradewind.cli.app import main; main()",
        "trade",
        "--config",
        str(config),
        "--replay",
        f"{SHORT[0]}:{SHORT[1]}",
        "--interval",
        "60",
        "--speed",
        "600",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path, env=env
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()  # drain stdout so the service never blocks on a full pipe
    cfg = load(config)
    deadline = time.monotonic() + 120
    while _cycles_recorded(tmp_path / "tw.db") < 3:  # let a few cycles run, then stop it
        assert proc.poll() is None, "the service ended before it could be stopped"
        assert time.monotonic() < deadline, "no cycle was recorded within 120 s"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    reader.join(timeout=10)
    out = "".join(lines)
    assert proc.returncode == 0, out
    assert "stopped" in out
    with Store(cfg.database_url, mode=None) as store:
        run = store.run(1)
        assert run.status == "stopped"
        done = len(store.cycles(1))
        assert 0 < done < 60
        assert run.ended_at is not None and run.ended_at - run.started_at < timedelta(minutes=2)
    again = subprocess.run(
        cmd[:-2], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False
    )
    assert again.returncode == 0, again.stdout + again.stderr
    with Store(cfg.database_url, mode=None) as store:
        assert [r.status for r in store.runs()] == ["finished"]
        assert len(store.cycles(1)) > done
    assert_consistent(tmp_path)
