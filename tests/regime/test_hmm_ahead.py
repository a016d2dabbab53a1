"""The ``hmm`` detector's fits computed ahead in a forked child: the same series to the last bit."""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pytest

from tradewind.config import TradewindConfig
from tradewind.data import get_market_data
from tradewind.domain.market import VixSeries
from tradewind.forking import can_fork
from tradewind.regime.ahead import Ahead
from tradewind.regime.hmm import HMMDetector

FORKS = sys.platform.startswith("linux") and hasattr(os, "fork")
"""Forced forks (``fork=True``) run here even with other threads alive (the test runner's)."""
pytestmark = pytest.mark.skipif(not FORKS, reason="fits ahead need os.fork (Linux)")


@pytest.fixture(scope="module")
def benchmark() -> tuple[pd.DataFrame, VixSeries, bool]:
    """The bundled S&P 500 and VIX, 1990-2001 (about 3,000 sessions, VIX gaps included)."""
    cfg = TradewindConfig.model_validate({"data": {"source": "bundled"}})
    provider = get_market_data(cfg)
    name = cfg.data.benchmark
    bars = provider.bars([name], None, "2001-12-31")
    vix = provider.vix(None, "2001-12-31")
    return bars[name], vix, name in bars.derived_ohlc


def _detector(ahead: bool) -> HMMDetector:
    det = HMMDetector(train_days=1000, min_train_days=300, refit_days=40, max_iter=30)
    det.fit_ahead = ahead
    return det


class _Recording(HMMDetector):
    """Records the bars its fits run at, and can be given a wrong schedule."""

    def __init__(self, shift: int = 0) -> None:
        super().__init__(train_days=1000, min_train_days=300, refit_days=40, max_iter=30)
        self.fitted_at: list[int] = []
        self.shift = shift

    def _refit(self, i: int, X: np.ndarray, columns: Mapping[str, int]) -> bool:
        done = super()._refit(i, X, columns)
        if done:
            self.fitted_at.append(i)
        return done

    def refit_bars(self, X: np.ndarray, columns: Mapping[str, int]) -> list[int]:
        bars = super().refit_bars(X, columns)
        return [b + (self.shift if k >= 3 else 0) for k, b in enumerate(bars)]


def test_fits_ahead_give_the_same_series_bit_for_bit(
    benchmark: tuple[pd.DataFrame, VixSeries, bool],
) -> None:
    bars, vix, close_only = benchmark
    alone, ahead = _detector(False), _detector(True)
    one = alone.detect_series(bars, vix, close_only=close_only)
    two = ahead.detect_series(bars, vix, close_only=close_only)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert one["regime"].notna().sum() > 2000
    assert alone.fits_taken_ahead == 0
    assert ahead.fits_taken_ahead > 40  # every fit came from the child


def test_the_schedule_is_where_the_fits_run(
    benchmark: tuple[pd.DataFrame, VixSeries, bool],
) -> None:
    bars, vix, close_only = benchmark
    det = _Recording()
    det.fit_ahead = False
    feats = det.features(bars, vix, close_only=close_only)
    assert feats["vix"].isna().any()  # gaps in the data: the schedule counts usable rows
    det.detect_series(bars, vix, close_only=close_only)
    columns = {c: j for j, c in enumerate(feats.columns)}
    assert det.refit_bars(feats.to_numpy(dtype=float), columns) == det.fitted_at


def test_a_wrong_schedule_falls_back_to_fitting_here(
    benchmark: tuple[pd.DataFrame, VixSeries, bool],
) -> None:
    bars, vix, close_only = benchmark
    expected = _detector(False).detect_series(bars, vix, close_only=close_only)
    det = _Recording(shift=1)  # the child's fourth fit is at the wrong bar
    det.fit_ahead = True
    got = det.detect_series(bars, vix, close_only=close_only)
    pd.testing.assert_frame_equal(expected, got, check_exact=True)
    assert det.fits_taken_ahead == 3


def _dies_after_two(emit: Callable[[int], None]) -> None:
    emit(1)
    emit(2)
    raise RuntimeError("the child fails")


def test_a_child_that_dies_ends_the_sequence() -> None:
    with Ahead(_dies_after_two, fork=True) as ahead:
        assert ahead.forked
        assert [ahead.next(), ahead.next(), ahead.next(), ahead.next()] == [1, 2, None, None]


def test_without_a_fork_nothing_is_computed_ahead() -> None:
    with Ahead(_dies_after_two, fork=False) as ahead:
        assert not ahead.forked
        assert ahead.next() is None


def _silent(emit: Callable[[int], None]) -> None:
    emit(1)
    time.sleep(30)  # stands for a child stuck on something: it is killed before this ends
    emit(2)


def test_a_silent_child_is_given_up_and_stopped() -> None:
    with Ahead(_silent, fork=True, silence_s=0.5) as ahead:
        pid = ahead.pid
        assert pid is not None
        t0 = time.perf_counter()
        assert [ahead.next(), ahead.next()] == [1, None]
        assert time.perf_counter() - t0 < 10
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped


def test_only_the_spinner_thread_may_run_beside_a_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    # threads the test runner left in this process are not the test's: hide them, so the
    # rule is checked on the threads this test starts
    ambient = set(threading.enumerate()) - {threading.current_thread()}
    everything = threading.enumerate
    monkeypatch.setattr(
        threading, "enumerate", lambda: [t for t in everything() if t not in ambient]
    )
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not can_fork() and not can_fork(beside_spinner=True)  # one core: never forks
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # the thread rule, on two cores
    assert can_fork() and can_fork(beside_spinner=True)
    with Console(file=io.StringIO()).status("computing"):
        assert len(threading.enumerate()) == 2  # rich's refresh thread
        assert can_fork(beside_spinner=True)  # it only draws
        assert not can_fork()  # unless asked: the database writer waits for the spinner
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork(beside_spinner=True) and not can_fork()
    finally:
        stop.set()
        other.join()
