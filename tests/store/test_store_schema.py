"""The models and the migration scripts describe the same schema, constraints included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from storekit import T0

from tradewind.store import Store
from tradewind.store.connect import make_engine
from tradewind.store.migrate import MIGRATIONS_DIR, autogenerate, known_revisions, upgrade
from tradewind.store.schema import Base

TABLES = {
    "meta", "runs", "cycles", "equity_snapshots", "positions", "costs", "orders", "fills",
    "order_events", "events", "halts", "notifications", "heartbeats",
}  # fmt: skip


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        engine.dispose()


def test_the_issue_tables_exist(store: Store) -> None:
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_migrations_from_empty_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)  # alembic itself: the store creates a new database otherwise
    upgrade(engine)
    engine.dispose()
    assert _diff(db_url) == []
    Store(db_url, mode="simulated").close()  # and the store takes the migrated database


def test_migrating_step_by_step_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    engine = make_engine(url)
    for rev in known_revisions():
        upgrade(engine, rev)
    engine.dispose()
    assert known_revisions()[:2] == ["0001", "0002"]
    assert _diff(url) == []


def test_constraints_hold_at_head(store: Store, run_id: int) -> None:
    insert = text(
        "INSERT INTO orders (run_id, client_order_id, symbol, side, quantity, order_type, "
        "reason, created_at, status, filled_quantity, average_price, message, updated_at) "
        "VALUES (:run, :cid, 'AAA', :side, :qty, 'market', '', :ts, 'new', :filled, 0, '', :ts)"
    )
    good = {"run": run_id, "side": "buy", "qty": 1.0, "filled": 0.0, "ts": T0}
    bad_rows = [
        {**good, "qty": 0.0},
        {**good, "side": "short"},
        {**good, "filled": -1.0},
        {**good, "run": 999},  # foreign key
    ]
    for i, row in enumerate(bad_rows):
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert, {**row, "cid": f"bad{i}"})
    with store.engine.begin() as conn:
        conn.execute(insert, {**good, "cid": "ok"})
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(insert, {**good, "cid": "ok"})  # client_order_id is unique


def test_autogenerate_drafts_the_next_revision(tmp_path: Path) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    draft = autogenerate("add a thing", "0099", script_location=scripts)
    assert draft.parent == scripts / "versions" and draft.name == "v0099_add_a_thing.py"
    body = draft.read_text()
    assert f"down_revision = '{known_revisions()[-1]}'" in body
    assert "def upgrade() -> None:" in body and "pass" in body  # models == schema: no change
    compile(body, str(draft), "exec")
