"""The decision log's fingerprint: equal decisions hash alike, different ones do not."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from tradewind.domain.records import Decision, OrderRecord
from tradewind.engine.recorder import Recorder


def _fingerprint(quantity: float, equity: float = 100.0) -> str:
    rec = Recorder(("AAA",))
    order = OrderRecord("c1", "AAA", "buy", quantity, "rebalance", 10.0, 0.0, 0.01, 0.0)
    ts = datetime(2020, 1, 2, 21, tzinfo=UTC)
    rec.decisions.append(Decision(ts, "BULL", 0.9, "max_sharpe", ("calendar",), (1.0,),
                                  (order,), equity, 100.0))  # fmt: skip
    rec.bar(ts, equity, 0.0, "BULL", np.array([1.0]))
    return rec.fingerprint()


def test_the_fingerprint_hashes_values_not_their_numeric_types() -> None:
    assert _fingerprint(5.0) == _fingerprint(np.float64(5.0))  # a resized quantity stays numpy
    assert _fingerprint(5.0) != _fingerprint(5.5)
    assert _fingerprint(5.0) != _fingerprint(5.0, equity=101.0)


def test_the_fingerprint_of_decisions_made_plain_by_the_caller_is_the_same() -> None:
    from tradewind.domain.plain import plain

    rec = Recorder(("AAA",))
    order = OrderRecord("c1", "AAA", "buy", 5.0, "rebalance", 10.0, 0.0, 0.01, 0.0)
    ts = datetime(2020, 1, 2, 21, tzinfo=UTC)
    for equity in (100.0, 101.5):
        rec.decisions.append(Decision(ts, "BULL", 0.9, "max_sharpe", ("calendar",), (1.0,),
                                      (order,), equity, 100.0))  # fmt: skip
    rec.bar(ts, 101.5, 0.0, "BULL", np.array([1.0]))
    assert rec.fingerprint([plain(d) for d in rec.decisions]) == rec.fingerprint()
    assert rec.fingerprint([plain(d) for d in rec.decisions[:1]]) != rec.fingerprint()
