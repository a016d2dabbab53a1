"""Purged and embargoed splits: no training label overlaps the period a model is tested on.

Each sample has a label span ``[start, end]`` in rows (sessions): it is observed at ``start``
and its forward return is known at ``end``. A training sample is *purged* when its span
touches the test samples' span ``[first start, last end]`` widened by ``embargo`` rows on both
sides (the embargo also keeps out samples whose features still carry the test period's
information through serial correlation). What remains never overlaps a test label, which is
the property ``tests/signals/test_splits.py`` checks on every split.

* :func:`holdout` splits a training window into a fitted part and a later validation part;
* :func:`walk_forward` yields successive (train on the past, test on the next block) splits;
* :func:`training_window` picks the samples a model trained at ``asof`` may learn from: labels
  known by then, within the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Split:
    """Sample positions to train on and to test on."""

    train: IntArray
    test: IntArray


def purge(
    train: IntArray,
    starts: IntArray,
    ends: IntArray,
    test: IntArray,
    embargo: int,
) -> IntArray:
    """``train`` without the samples whose label span touches ``test``'s, widened by ``embargo``.

    Raises
    ------
    ValueError
        If ``embargo`` is negative.
    """
    if embargo < 0:
        raise ValueError(f"embargo must be at least 0 rows, was {embargo}")
    if len(test) == 0:
        return train
    lo = int(starts[test].min()) - embargo
    hi = int(ends[test].max()) + embargo
    keep = (ends[train] < lo) | (starts[train] > hi)
    return train[keep]


def holdout(starts: IntArray, ends: IntArray, validation_start: int, embargo: int) -> Split:
    """Validate on samples observed from row ``validation_start`` on; train on the purged rest
    before it."""
    index = np.arange(len(starts), dtype=np.int64)
    test = index[starts >= validation_start]
    before = index[starts < validation_start]
    return Split(purge(before, starts, ends, test, embargo), test)


def walk_forward(
    starts: IntArray, ends: IntArray, *, n_splits: int, embargo: int, min_train: int = 1
) -> list[Split]:
    """``n_splits`` splits over time: each tests one block of dates and trains on the purged
    samples observed before it (blocks of equal numbers of distinct dates; the first block
    only trains). Splits with fewer than ``min_train`` training samples are left out."""
    if n_splits < 1:
        raise ValueError(f"n_splits must be at least 1, was {n_splits}")
    dates = np.unique(starts)
    if len(dates) < n_splits + 1:
        raise ValueError(f"{len(dates)} distinct dates cannot make {n_splits} walk-forward splits")
    blocks = np.array_split(dates, n_splits + 1)
    index = np.arange(len(starts), dtype=np.int64)
    out: list[Split] = []
    for block in blocks[1:]:
        test = index[(starts >= block[0]) & (starts <= block[-1])]
        train = purge(index[starts < block[0]], starts, ends, test, embargo)
        if len(train) >= min_train:
            out.append(Split(train, test))
    return out


def training_window(starts: IntArray, ends: IntArray, asof: int, window: int) -> IntArray:
    """Samples a model trained at row ``asof`` may use: label known (``end <= asof``) and
    observed within the last ``window`` rows."""
    index = np.arange(len(starts), dtype=np.int64)
    return index[(ends <= asof) & (starts > asof - window)]
