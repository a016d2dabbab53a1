"""Fixtures of the trading-service tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SHM = Path("/dev/shm")


def _memory_backed_dir(prefix: str) -> Path:
    """A new folder on tmpfs when the machine has one, else in the system temp folder.

    Wall-clock runs on a fake clock write a heartbeat every five minutes of fake time, each
    one a durable SQLite commit (fsync): days of fake time cost tens of seconds of fsyncs on a
    disk and nothing on tmpfs. Same SQLite, same code path; only the medium differs.
    """
    base = SHM if SHM.is_dir() and os.access(SHM, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


@pytest.fixture
def fast_tmp() -> Iterator[Path]:
    """A per-test folder for wall-clock runs (see :func:`_memory_backed_dir`)."""
    folder = _memory_backed_dir("tw-test-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def fast_tmp_module() -> Iterator[Path]:
    """A per-module folder for wall-clock runs shared by a module's tests."""
    folder = _memory_backed_dir("tw-module-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
