"""Purged and embargoed splits never let a training label overlap a test label."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.signals.splits import holdout, purge, training_window, walk_forward


def _samples(n_dates: int, per_date: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    starts = np.repeat(np.arange(0, n_dates * 5, 5, dtype=np.int64), per_date)
    return starts, starts + horizon


def _assert_disjoint(train: np.ndarray, test: np.ndarray, starts, ends, embargo: int) -> int:
    """Every (train, test) pair of label spans is apart by more than ``embargo`` rows."""
    checked = 0
    for i in train:
        for j in test:
            apart = ends[i] < starts[j] - embargo or starts[i] > ends[j] + embargo
            assert apart, f"train {starts[i]}..{ends[i]} touches test {starts[j]}..{ends[j]}"
            checked += 1
    return checked


@settings(max_examples=40, deadline=None)
@given(
    n_dates=st.integers(10, 60),
    horizon=st.integers(1, 30),
    embargo=st.integers(0, 10),
    n_splits=st.integers(1, 5),
)
def test_walk_forward_splits_never_overlap_labels(
    n_dates: int, horizon: int, embargo: int, n_splits: int
) -> None:
    starts, ends = _samples(n_dates, 3, horizon)
    splits = walk_forward(starts, ends, n_splits=n_splits, embargo=embargo, min_train=0)
    pairs = 0
    for split in splits:
        assert starts[split.train].max(initial=-1) < starts[split.test].min()  # past only
        pairs += _assert_disjoint(split.train, split.test, starts, ends, embargo)
    assert splits and all(len(s.test) for s in splits)
    if any(len(s.train) for s in splits):
        assert pairs > 0


@settings(max_examples=40, deadline=None)
@given(
    n_dates=st.integers(5, 80),
    horizon=st.integers(1, 40),
    embargo=st.integers(0, 15),
    cut=st.floats(0.2, 0.9),
)
def test_holdout_purges_every_overlapping_training_label(
    n_dates: int, horizon: int, embargo: int, cut: float
) -> None:
    starts, ends = _samples(n_dates, 2, horizon)
    validation_start = int(starts.max() * cut)
    split = holdout(starts, ends, validation_start, embargo)
    _assert_disjoint(split.train, split.test, starts, ends, embargo)
    assert (starts[split.test] >= validation_start).all()
    # purging removed exactly the samples that would have touched the validation labels
    before = np.flatnonzero(starts < validation_start)
    touching = before[ends[before] >= starts[split.test].min() - embargo] if len(split.test) else []
    assert len(split.train) == len(before) - len(touching)


def test_purge_keeps_the_boundary_sample_only_when_it_ends_before_the_embargo() -> None:
    starts = np.array([0, 5, 10, 20], dtype=np.int64)
    ends = starts + 5  # spans 0-5, 5-10, 10-15, 20-25
    test = np.array([3], dtype=np.int64)  # 20-25
    train = np.array([0, 1, 2], dtype=np.int64)
    assert purge(train, starts, ends, test, embargo=4).tolist() == [0, 1, 2]  # 15 < 16: kept
    assert purge(train, starts, ends, test, embargo=5).tolist() == [0, 1]  # 15 >= 15: out
    assert purge(train, starts, ends, test, embargo=9).tolist() == [0, 1]  # 10 < 11: kept
    assert purge(train, starts, ends, test, embargo=10).tolist() == [0]  # 10 >= 10: out


def test_training_window_uses_only_labels_known_at_the_training_date() -> None:
    starts, ends = _samples(100, 2, 21)
    chosen = training_window(starts, ends, asof=300, window=200)
    assert (ends[chosen] <= 300).all() and (starts[chosen] > 100).all()
    assert len(chosen) == int(((ends <= 300) & (starts > 100)).sum()) > 0


def test_negative_embargo_is_refused() -> None:
    starts, ends = _samples(10, 1, 5)
    with pytest.raises(ValueError, match="embargo"):
        purge(np.arange(5), starts, ends, np.arange(5, 10), embargo=-1)
