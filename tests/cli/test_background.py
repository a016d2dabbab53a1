"""Work in a forked child: its result, its errors and the backtest it records.

``tradewind backtest`` writes its database in a forked child while it writes the reports
(``tradewind.cli.background``); the database must be the one it writes without the fork.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewind.cli import background
from tradewind.cli.app import app
from tradewind.domain.errors import ConfigError
from tradewind.store.errors import ModeMismatchError, StoreError

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("cycles", "equity_snapshots", "positions", "costs", "orders", "fills", "events")


def test_a_forked_work_returns_its_value_from_another_process() -> None:
    parent = os.getpid()
    pending = background.start(lambda: {"pid": os.getpid(), "rows": [1.5, None]}, fork=True)
    assert pending.forked
    got = pending.result()
    assert got["rows"] == [1.5, None] and got["pid"] == pending.pid != parent
    with pytest.raises(ChildProcessError):  # the child was reaped
        os.waitpid(got["pid"], os.WNOHANG)


def test_without_a_fork_the_work_runs_here_when_asked() -> None:
    ran: list[int] = []
    pending = background.start(lambda: ran.append(os.getpid()) or 7, fork=False)
    assert not pending.forked and ran == []
    assert pending.result() == 7 and ran == [os.getpid()]


def _mismatch() -> None:
    raise ModeMismatchError("data/x.db", "paper", "backtest")


def _store_error() -> None:
    raise StoreError("disk full")


def test_the_childs_errors_are_raised_in_the_parent() -> None:
    with pytest.raises(StoreError, match="^disk full$"):
        background.start(_store_error, fork=True).result()
    # an error whose __init__ takes other arguments comes back as its nearest kind
    with pytest.raises(ConfigError, match="belongs to mode 'paper', not 'backtest'"):
        background.start(_mismatch, fork=True).result()


def test_abandon_reaps_the_child() -> None:
    pending = background.start(lambda: 1, fork=True)
    assert pending.pid is not None
    pending.abandon()
    with pytest.raises(ChildProcessError):
        os.waitpid(pending.pid, os.WNOHANG)


def _recorded(tmp_path: Path, forked: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    monkeypatch.setattr(background, "can_fork", lambda: forked)
    db = tmp_path / f"bt-{forked}.db"
    env = {
        "TRADEWIND__LOGGING__PATH": str(tmp_path / "log"),
        "TRADEWIND__DATABASE__URL": f"sqlite:///{db}",
        "TRADEWIND__DATA__CACHE__REGIME_PATH": str(tmp_path / "rc"),
    }
    args = ["backtest", "-c", str(ROOT / "config" / "demo.yaml"), "--start", "2021-01-04"]
    args += ["--out", str(tmp_path / f"out-{forked}"), "--json"]
    result = CliRunner(env=env).invoke(app, args)
    assert result.exit_code == 0, result.output
    assert '"run_id": 1' in result.output
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}  # noqa: S608


def test_the_backtest_recorded_by_a_child_is_the_one_recorded_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forked = _recorded(tmp_path, True, monkeypatch)
    inline = _recorded(tmp_path, False, monkeypatch)
    assert all(inline[t] for t in TABLES if t != "events")
    assert forked == inline
