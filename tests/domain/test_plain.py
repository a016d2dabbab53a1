"""``plain`` builds what ``dataclasses.asdict`` builds, without copying the leaves."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np

from tradewind.domain.plain import plain
from tradewind.domain.records import Decision, EngineEvent, OrderRecord


class Pair(NamedTuple):
    left: Any
    right: Any


class Tagged(list[Any]):
    """A list subclass: asdict rebuilds it with its own type."""


@dataclass
class Inner:
    weights: np.ndarray
    pair: Pair
    tags: Tagged = field(default_factory=Tagged)


@dataclass
class Outer:
    inner: Inner
    by_name: dict[str, Inner]
    items: tuple[Inner | float, ...]
    when: datetime
    nothing: None = None


def sample() -> Outer:
    inner = Inner(np.array([0.25, -0.0, np.nan]), Pair(1, {"k": [1.5, "x"]}), Tagged([2, (3,)]))
    return Outer(inner, {"a": inner}, (inner, np.float64(0.1)), datetime(2024, 1, 2, tzinfo=UTC))


def test_plain_equals_asdict_and_writes_the_same_json() -> None:
    for record in [
        sample(),
        Decision(
            ts=datetime(2024, 1, 2, 21, tzinfo=UTC), regime="bull", confidence=0.7,
            method="max_sharpe", reasons=("drift",), targets=(0.5, np.float64(0.5)),
            orders=(OrderRecord("c1", "AAPL", "buy", 3.0, "rebalance", 101.5),),
            equity=1e5, equity_before=9.9e4, notes=("n",),
        ),
        EngineEvent(ts=datetime(2024, 1, 2, tzinfo=UTC), kind="halt", message="m"),
    ]:  # fmt: skip
        got, want = plain(record), asdict(record)
        for sort in (False, True):
            text = json.dumps(got, default=str, sort_keys=sort)
            assert text == json.dumps(want, default=str, sort_keys=sort)
    out = plain(sample())
    assert type(out["inner"]["pair"]) is Pair and type(out["inner"]["tags"]) is Tagged
    assert type(out["items"]) is tuple and isinstance(out["items"][0], dict)


def test_plain_shares_leaves_instead_of_copying_them() -> None:
    record = sample()
    assert plain(record)["inner"]["weights"] is record.inner.weights
