"""Fixtures of the report tests: a store built by a simulated replay through the trading
service (``tests/service/servicekit.py``), shared by the modules that read it."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

import servicekit  # noqa: E402  (found through the path above)
from runkit import StoredRun  # noqa: E402

SHM = Path("/dev/shm")


@pytest.fixture(scope="session")
def replay(tmp_path_factory: pytest.TempPathFactory) -> StoredRun:
    """The service replaying ``servicekit.SHORT`` (63 sessions of the synthetic market, fills
    at the next open, weekly rebalances, trailing stops, a latched halt resumed)."""
    folder = tmp_path_factory.mktemp("replay")
    config = servicekit.write_config(folder)
    _, result = servicekit.run_inprocess(config)
    assert result.status == "finished"
    return StoredRun(folder, config, servicekit.load(config), result.run_id)


@pytest.fixture
def fast_folder() -> Iterator[Path]:
    """A folder on tmpfs when there is one (a wall-clock run on a fake clock commits a
    heartbeat every five minutes of fake time; on a disk each is an fsync)."""
    base = SHM if SHM.is_dir() and os.access(SHM, os.W_OK) else None
    folder = Path(tempfile.mkdtemp(prefix="tw-reports-", dir=base))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
