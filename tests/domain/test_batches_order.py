"""A trade batch reordered sells first: the same rows a stable sort by side gives, and the
batch itself when it is in that order already."""

from __future__ import annotations

import numpy as np
import pytest

from tradewind.domain.batches import TradeBatch

UNIVERSE = tuple(f"S{k:03d}" for k in range(120))


def _batch(buy: np.ndarray) -> TradeBatch:
    n = len(buy)
    f = np.arange(n, dtype=float)
    return TradeBatch(
        UNIVERSE, np.arange(n, dtype=np.int64), buy, f + 1.0, f + 2.0, f * 0.1, f * 0.2,
        f * 0.3, np.zeros(n, dtype=bool), tuple(f"r{k}" for k in range(n)),
    )  # fmt: skip


def _patterns() -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    out = [np.zeros(0, dtype=bool)]
    for n in (1, 2, 3, 20, 48, 49, 120):
        out += [np.zeros(n, dtype=bool), np.ones(n, dtype=bool), np.arange(n) >= n // 3]
        out += [np.arange(n) < n // 3, np.arange(n) % 3 == 0, rng.random(n) < 0.5]
    out.append((rng.random(240) < 0.5)[::2])  # a strided view
    out.append(np.arange(120) >= 119)  # one buy, last
    out.append(np.arange(120) == 118)  # one sell after a buy, at the end
    return out


@pytest.mark.parametrize(
    "buy", _patterns(), ids=lambda b: "".join("bs"[int(not x)] for x in b[:12])
)
def test_sells_first_is_a_stable_sort_by_side(buy: np.ndarray) -> None:
    batch = _batch(buy)
    got = batch.sells_first()
    order = np.argsort(buy, kind="stable")
    assert got.column.tolist() == order.tolist()
    assert got.reasons == tuple(batch.reasons[k] for k in order.tolist())
    assert got.quantity.tolist() == batch.quantity[order].tolist()
    in_order = bool(np.all(order == np.arange(len(buy))))
    assert (got is batch) == in_order  # a batch in order already comes back itself
