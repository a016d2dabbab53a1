"""``tradewind status`` and the dashboard after the service was killed with SIGKILL: the run its
row still calls running is shown as interrupted (its process is gone: nobody holds the
database's lock), never as running or finished; starting it again continues and finishes it
(runbook audit, item I). The classification itself (:mod:`tradewind.service.liveness`) is
checked on its own for the case a lock cannot prove (a database on another machine): stale
heartbeats decide."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from servicekit import load, run_session, write_config
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.service.heartbeat import InstanceLock
from tradewind.service.liveness import run_liveness, stale_after
from tradewind.service.paths import lock_path

needs_sigkill = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def _status(config: Path) -> tuple[dict[str, Any], str]:
    as_json = CliRunner().invoke(app, ["status", "--config", str(config), "--json"])
    text = CliRunner().invoke(app, ["status", "--config", str(config)])
    assert as_json.exit_code == 0 and text.exit_code == 0, as_json.output + text.output
    return json.loads(as_json.stdout), " ".join(text.stdout.split())


def _dashboard(config: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What the dashboard's page (run once by Streamlit's app-testing API) says of the run."""
    from streamlit.testing.v1 import AppTest

    import tradewind

    monkeypatch.setenv("TRADEWIND_CONFIG", str(config))
    app = Path(tradewind.__file__).resolve().parent / "dashboard" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=180)
    at.query_params["tab"] = "System Health"
    at.run()
    assert not at.exception, at.exception
    picker = next(s for s in at.sidebar.selectbox if s.label == "Run")
    service = next(m for m in at.metric if m.label == "Trading service")
    return {
        "caption": "\n".join(str(c.value) for c in at.caption),
        "warning": "\n".join(str(w.value) for w in at.warning),
        "run picker": picker.format_func(picker.value),
        "service": f"{service.value}; {service.delta}",
    }


@needs_sigkill
def test_a_run_killed_with_sigkill_is_interrupted_then_continued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path)
    killed = run_session(config, kill_after=0.3)  # ~145 sessions: killed well before the end
    assert killed.killed, killed.stderr[-2000:]

    status, text = _status(config)

    assert status["running"] is False
    assert status["run"]["recorded_status"] == "running"  # the row was never ended
    assert status["run"]["status"] == "interrupted"
    assert status["heartbeat"]["last"] is not None
    assert "not running" in text
    assert re.search(r"run 1 'replay [\d-]+:2020-03-31' interrupted, started", text), text
    assert "its process is gone" in text and "Start the same command again" in text
    page = _dashboard(config, monkeypatch)  # the dashboard reads it as status does
    assert "status interrupted" in page["caption"] and "its process is gone" in page["warning"]
    assert page["run picker"] == "1: " + status["run"]["name"] + " (interrupted)"
    assert page["service"] == "replay; interrupted; history, not live"

    # a live process holding the lock (here: this one) is running, whatever its heartbeats say
    lock = InstanceLock(lock_path(load(config)))
    lock.acquire({"mode": "simulated"})
    try:
        held, _ = _status(config)
        page = _dashboard(config, monkeypatch)
    finally:
        lock.release()
    assert held["running"] is True and held["run"]["status"] == "running"
    assert "status running" in page["caption"] and "its process is gone" not in page["warning"]
    assert page["run picker"].endswith(" (running)")
    assert page["service"] == "replay; running; history, not live"

    resumed = run_session(config)
    assert resumed.finished, resumed.stderr[-2000:]
    status, text = _status(config)
    assert status["run"]["status"] == status["run"]["recorded_status"] == "finished"
    assert status["run"]["id"] == 1 and "interrupted" not in text  # the same run, continued


NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
PERIOD = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("recorded", "lock_held", "lock_is_proof", "silence", "shown"),
    [
        ("running", False, True, timedelta(seconds=10), "interrupted"),  # SQLite: the lock proves
        ("running", False, False, timedelta(seconds=10), "running"),  # elsewhere: fresh beats
        ("running", False, False, timedelta(minutes=16), "interrupted"),  # elsewhere: stale
        ("running", True, True, timedelta(hours=3), "running"),  # alive (maybe stuck)
        ("finished", False, True, timedelta(days=3), "finished"),
        ("stopped", False, False, timedelta(days=3), "stopped"),
    ],
)
def test_interrupted_only_when_the_process_is_gone(
    recorded: str, lock_held: bool, lock_is_proof: bool, silence: timedelta, shown: str
) -> None:
    alive = run_liveness(
        recorded,
        lock_held=lock_held,
        lock_is_proof=lock_is_proof,
        started_at=NOW - timedelta(days=4),
        last_heartbeat=NOW - silence,
        heartbeat_period=PERIOD,
        now=NOW,
    )
    assert alive.status == shown and alive.recorded_status == recorded
    if recorded == "running":
        assert alive.heartbeat_age == silence
        assert alive.heartbeat_stale is (silence > stale_after(PERIOD))
    else:  # an ended run: no age, never stale
        assert alive.heartbeat_age is None and alive.heartbeat_stale is False


def test_a_run_without_heartbeats_counts_from_its_start() -> None:
    def shown(started_ago: timedelta) -> str:
        return run_liveness(
            "running",
            lock_held=False,
            lock_is_proof=False,
            started_at=NOW - started_ago,
            last_heartbeat=None,
            heartbeat_period=PERIOD,
            now=NOW,
        ).status

    assert shown(timedelta(seconds=30)) == "running"  # just started elsewhere
    assert shown(timedelta(hours=1)) == "interrupted"
    assert stale_after(timedelta(seconds=5)) == timedelta(seconds=60)  # a replay's period
