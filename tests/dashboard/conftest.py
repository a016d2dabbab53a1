"""Fixtures of the dashboard tests: a database built by ``tradewind demo`` (the bundled real
prices of one year replayed through the trading service) in a temporary folder."""

from __future__ import annotations

import pytest
from dashkit import StoredRun, run_demo


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> StoredRun:
    """One year of the demo: 253 daily cycles, BEAR then CHOPPY, rebalances, drawdown and
    daily-loss warnings, a regime change (the run is read, never changed: tests that change a
    database work on a copy, :func:`dashkit.copy_run`)."""
    return run_demo(tmp_path_factory.mktemp("dash-demo"))
