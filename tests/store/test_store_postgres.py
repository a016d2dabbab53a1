"""The store on a real PostgreSQL server: a throwaway cluster in a temporary folder.

Skipped, with the reason, on a machine without the server binaries (Debian package
``postgresql``); in CI (``CI`` set), which installs them, that fails instead. The driver (psycopg 3)
is a dev dependency. The server listens on a Unix socket only; as root it runs as the
``postgres`` system user (``initdb`` refuses root).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from storekit import T0, at, fill_event, request

from tradewind.domain import OrderEvent, OrderStatus
from tradewind.domain.errors import DuplicateOrderError
from tradewind.store import (
    AccountSnapshot,
    ModeMismatchError,
    OutboxMessage,
    PositionSnapshot,
    Store,
)
from tradewind.store.connect import make_engine
from tradewind.store.migrate import head_revision, upgrade
from tradewind.store.schema import Base

_counter = itertools.count()


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine without a PostgreSQL server; fail in CI, which installs one
    (``.ci/run``), so a broken install cannot pass as a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI installs PostgreSQL in .ci/run: the install is broken)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pg_socket_dir() -> Iterator[Path]:
    """Start a PostgreSQL cluster for this module; yield its socket folder."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        _unavailable(
            "PostgreSQL server not installed (initdb not found): apt-get install postgresql"
        )
    run_as: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="twpg-"))
    if os.geteuid() == 0:
        try:
            pg_user = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no 'postgres' user to run the server")
        runuser = shutil.which("runuser")
        if runuser is None:
            _unavailable("running as root without runuser to start the server as 'postgres'")
        os.chown(base, pg_user.pw_uid, pg_user.pw_gid)
        run_as = [runuser, "-u", "postgres", "--"]
    data = base / "data"
    log = base / "server.log"
    try:
        subprocess.run(
            [*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "tw", "-E", "UTF8",
             "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        opts = f"-k {base} -c listen_addresses='' -c fsync=off -c timezone=America/New_York"
        subprocess.run(
            [*run_as, pg_ctl, "-D", str(data), "-l", str(log), "-w", "-o", opts, "start"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = log.read_text() if log.exists() else getattr(exc, "stderr", b"")
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start a PostgreSQL cluster: {exc}\n{detail!r}")
    yield base
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
        capture_output=True, timeout=120,
    )  # fmt: skip
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(pg_socket_dir: Path) -> str:
    """URL of a fresh, empty database on the module's cluster."""
    import psycopg

    name = f"tw_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(host=str(pg_socket_dir), user="tw", dbname="postgres") as conn:
        conn.autocommit = True
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://tw@/{name}?host={pg_socket_dir}"


def test_models_match_migrations_on_postgres(pg_url: str) -> None:
    engine = make_engine(pg_url)  # alembic itself: the store creates a new database otherwise
    upgrade(engine)
    engine.dispose()
    with Store(pg_url, mode="paper") as store:
        assert store.schema_revision() == head_revision()
        with store.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert list(compare_metadata(ctx, Base.metadata)) == []
    with pytest.raises(ModeMismatchError, match="belongs to mode 'paper', not 'live'"):
        Store(pg_url, mode="live")


def test_the_api_round_trips_on_postgres(pg_url: str) -> None:
    with Store(pg_url, mode="paper") as store:
        run = store.start_run(name="pg", started_at=T0, symbols=["AAA", "BBB"], initial_cash=1e4)
        started = store.run(run).started_at  # the server's zone is New York: back in UTC
        assert started == T0 and started.tzinfo is UTC
        store.add_order(run, request("c1"))
        with pytest.raises(DuplicateOrderError):
            store.add_order(run, request("c1"))
        store.apply_order_event("c1", OrderEvent(OrderStatus.NEW, at(0.5), broker_order_id="B1"))
        part = fill_event("c1", 4.0, 100.0, OrderStatus.PARTIALLY_FILLED)
        for _ in range(3):
            store.apply_order_event("c1", part)
        store.apply_order_event("c1", fill_event("c1", 6.0, 101.0, OrderStatus.FILLED, minutes=2))
        order = store.load_order("c1")
        assert order is not None and order.filled_quantity == 10.0 and len(order.fills) == 2
        assert order.fills[0].ts == at(1) and order.fills[0].ts.utcoffset() == timedelta(0)
        snap = AccountSnapshot(at(3), 1e4, 9e3, 0.1, (PositionSnapshot("AAA", 10.0, 100.7, 102),))
        store.record_cycle(run, snap, regime="BULL", inputs_fingerprint="x")
        assert store.latest_positions()[0].market_value == 1020.0
        assert store.positions_from_fills()["AAA"].quantity == 10.0
        store.latch_halt("drawdown", "-20%", ts=at(4), notify=[OutboxMessage("log", {"t": 1})])
        assert store.active_halt() is not None
        assert [n.channel for n in store.pending_notifications(now=at(4))] == ["log"]
        store.clear_halt("alice", "ok", ts=at(5))
        for m in range(5):
            store.heartbeat(run, at(m))
        assert store.uptime(run, at(0), at(4), timedelta(minutes=1)).fraction == 1.0


def test_upgrade_from_revision_1_keeps_rows_on_postgres(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO runs (id, mode, name, started_at, status, run_tag, "
                "config_fingerprint, symbols, initial_cash) VALUES "
                "(1, 'paper', 'p', :ts, 'running', 't', 'f', '[\"AAA\"]', 100.0)"
            ),
            {"ts": T0},
        )
        conn.execute(
            text(
                "INSERT INTO orders (id, run_id, client_order_id, symbol, side, quantity, "
                "order_type, reason, created_at, status, filled_quantity, average_price, "
                "message, updated_at) VALUES "
                "(1, 1, 'c1', 'AAA', 'buy', 2, 'market', '', :ts, 'new', 0, 0, '', :ts)"
            ),
            {"ts": T0},
        )
    engine.dispose()
    with Store(pg_url, mode="paper") as store:
        stored = store.order_by_client_id("c1")
        assert stored is not None and stored.status is OrderStatus.NEW
        assert stored.submitted_at is None and stored.request.created_at == T0
        assert store.run(1).code_version is None
