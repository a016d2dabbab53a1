"""A memo of detector fits for one evaluation run, keyed on a digest of every input of the fit.

The parameter grid of ``tradewind regime evaluate`` runs the same detector many times on the
same data; points that differ only in a decode-time parameter (the ``hmm``'s switch penalty, say)
refit the very same models on the very same windows. A :class:`FitCache` lets them share those
fits: a detector given one (:attr:`~tradewind.regime.base.BaseDetector.fit_cache`) looks a fit
up by :func:`fingerprint` of the exact values it is computed from (training rows, warm start,
every fit parameter) and computes it only when absent. Every cached computation is
deterministic, so a cached run gives bit for bit what an uncached one gives.

Scope: build one cache per evaluation run (``bundled_study`` does) and drop it with the run;
nothing is cached without one, and no cache is module state.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from typing import TypeVar, cast

import numpy as np
import pandas as pd

T = TypeVar("T")


def fingerprint(*parts: object) -> str:
    """A digest of the exact values of ``parts`` (equal digests: equal values, bit for bit).

    Accepted: None, bool, int, float, str, numpy arrays and scalars, pandas Series, DataFrames
    and Indexes, tuples/lists of these, and dataclass instances of these.

    Raises
    ------
    TypeError
        A part of another type (it has no well-defined digest here).
    """
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        _feed(h, part)
    return h.hexdigest()


def _tag(h: hashlib.blake2b, tag: bytes, payload: bytes) -> None:
    h.update(tag)
    h.update(len(payload).to_bytes(8, "little"))
    h.update(payload)


def _feed(h: hashlib.blake2b, part: object) -> None:  # noqa: C901 - one branch per type
    if part is None:
        _tag(h, b"N", b"")
    elif isinstance(part, bool | np.bool_):
        _tag(h, b"B", b"1" if part else b"0")
    elif isinstance(part, int | np.integer):
        _tag(h, b"I", str(int(part)).encode())
    elif isinstance(part, float | np.floating):
        _tag(h, b"F", float(part).hex().encode())
    elif isinstance(part, str):
        _tag(h, b"S", part.encode())
    elif isinstance(part, np.ndarray):
        if part.dtype == object:
            raise TypeError("fingerprint: object arrays have no exact digest")
        _tag(h, b"A", f"{part.dtype.str}{part.shape}".encode())
        _tag(h, b"D", np.ascontiguousarray(part).tobytes())
    elif isinstance(part, pd.Index):
        _tag(h, b"X", f"{part.dtype}|{part.name}".encode())
        _feed(h, np.asarray(part.asi8 if isinstance(part, pd.DatetimeIndex) else part))
    elif isinstance(part, pd.Series):
        _tag(h, b"R", f"{part.dtype}|{part.name}".encode())
        _feed(h, part.index)
        _feed(h, part.to_numpy())
    elif isinstance(part, pd.DataFrame):
        _tag(h, b"T", str(len(part.columns)).encode())
        _feed(h, part.index)
        for column in part.columns:
            _feed(h, str(column))
            _feed(h, part[column])
    elif isinstance(part, tuple | list):
        _tag(h, b"L", str(len(part)).encode())
        for item in part:
            _feed(h, item)
    elif dataclasses.is_dataclass(part) and not isinstance(part, type):
        _tag(h, b"C", type(part).__qualname__.encode())
        for f in dataclasses.fields(part):
            _feed(h, f.name)
            _feed(h, getattr(part, f.name))
    else:
        raise TypeError(f"fingerprint: no exact digest for {type(part).__name__}")


class FitCache:
    """Results of deterministic computations (fits, feature frames), keyed on their inputs.

    Keys are :func:`fingerprint` digests of everything a result is computed from; callers must
    treat the results as read-only (they are shared by every detector that asks).
    """

    def __init__(self) -> None:
        self._store: dict[str, object] = {}
        self.hits = 0
        """Look-ups answered from the cache."""
        self.misses = 0
        """Look-ups that computed (and stored) their result."""

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: object) -> bool:
        return key in self._store

    def get(self, key: str) -> object | None:
        """The result stored under ``key`` (counted as a hit), or None."""
        value = self._store.get(key)
        if value is not None:
            self.hits += 1
        return value

    def put(self, key: str, value: object) -> None:
        """Store ``value`` under ``key`` (computed by the caller; counted as a miss)."""
        self._store[key] = value
        self.misses += 1

    def get_or_compute(self, key: str, compute: Callable[[], T]) -> T:
        """The result stored under ``key``, computing and storing it first when absent."""
        if key in self._store:
            self.hits += 1
            return cast(T, self._store[key])
        value = compute()
        self.put(key, value)
        return value


def cached(cache: FitCache | None, key: Callable[[], str], compute: Callable[[], T]) -> T:
    """``compute()``, through ``cache`` under ``key()`` when there is a cache."""
    if cache is None:
        return compute()
    return cache.get_or_compute(key(), compute)
