"""Opening an up-to-date database without alembic (:mod:`tradewind.store.revisions`): the
packaged head read from the scripts is alembic's, and the store still refuses or upgrades
every other schema through alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tradewind.store import Store, StoreError, migrate
from tradewind.store.revisions import packaged_head, stored_revision


def test_packaged_head_is_alembics_head() -> None:
    assert packaged_head() == migrate.head_revision()
    assert packaged_head() == migrate.known_revisions()[-1]


def test_stored_revision_reads_the_version_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    Store(url, mode="simulated").close()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert stored_revision(conn) == (True, migrate.current_revision(conn))
        assert stored_revision(conn)[1] == packaged_head()
    engine.dispose()
    empty = create_engine("sqlite://")
    with empty.connect() as conn:
        assert stored_revision(conn) == (True, None)
    empty.dispose()


def test_an_up_to_date_database_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    Store(url, mode="simulated").close()
    probe = (
        "import sys; from tradewind.store import Store; "
        f"s = Store({url!r}, mode='simulated', migrate=False); "
        "print(s.latest_run()); s.close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines() == ["None", "[]"]


def test_an_older_schema_still_goes_through_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    first = migrate.known_revisions()[0]
    engine = create_engine(url)
    migrate.upgrade(engine, first)
    engine.dispose()
    with pytest.raises(StoreError, match="open it with migrate=True"):
        Store(url, mode=None, migrate=False)
    with Store(url, mode="simulated") as store:
        assert store.schema_revision() == packaged_head()


def test_an_unknown_newer_revision_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    Store(url, mode="simulated").close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="does not know"):
        Store(url, mode="simulated")
