"""What the fast-forward over quiet bars asks the regime hook and the trigger: how long the
regime stays the same, and on which bars drift surely does not fire. Each answer is checked
against the bar-by-bar call it stands for."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.domain.types import Regime
from tradewind.engine.regime_hooks import FixedRegime, ScheduledRegime
from tradewind.rebalance.triggers import DRIFT_TOLERANCE, QUIET_MARGIN, DriftTrigger

LABELS = [r.value for r in Regime]


class _Feed:
    """The one thing the hooks read of a feed: its current bar's time."""

    def __init__(self, now: pd.Timestamp) -> None:
        self.now = now


@settings(max_examples=150, deadline=None)
@given(
    labels=st.lists(st.sampled_from([*LABELS, None, "NOT_A_REGIME"]), min_size=1, max_size=40),
    lead=st.integers(0, 5),
    limit=st.integers(0, 50),
)
def test_same_rows_counts_the_bars_read_with_the_regime_of_the_row(
    labels: list[str | None], lead: int, limit: int
) -> None:
    # the timeline starts ``lead`` bars before the detector's first decision (warm-up)
    times = pd.date_range("2024-01-02 21:00", periods=len(labels) + lead, freq="D", tz="UTC")
    frame = pd.DataFrame(
        {"regime": [np.nan if x is None else x for x in labels], "confidence": 0.5},
        index=times[lead:],
    )
    hook = ScheduledRegime(frame)
    stamps = times.as_unit("ns").asi8

    def read(row: int) -> Regime | None:
        try:
            return hook.update(_Feed(times[row])).regime  # type: ignore[arg-type]
        except ValueError:  # a label that is no regime: its cycle raises
            return None

    regimes = [read(r) for r in range(len(times))]
    for row in range(len(times)):
        n = hook.same_rows(stamps, row, limit)
        same = 0
        while row + same + 1 < len(times) and same < limit:
            nxt = regimes[row + same + 1]
            if nxt is None or regimes[row] is None or nxt is not regimes[row]:
                break
            same += 1
        assert n == same, (row, n, same)
    assert FixedRegime().same_rows(stamps, 0, limit) == limit


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 8),
    rows=st.integers(1, 30),
    threshold=st.sampled_from([0.01, 0.05, 0.10]),
    seed=st.integers(0, 2**32 - 1),
)
def test_drift_quiet_rows_never_pass_a_bar_the_check_fires_on(
    n: int, rows: int, threshold: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    target = rng.dirichlet(np.ones(n)) * rng.uniform(0.5, 1.0)
    current = target + rng.normal(0, threshold / 3, (rows, n)) * rng.uniform(0, 1, (rows, 1))
    if rows > 3 and rng.uniform() < 0.3:
        current[rng.integers(rows)] = np.nan  # a bar without a mark is never quiet
    trigger = DriftTrigger(threshold)
    symbols = [f"S{k}" for k in range(n)]
    quiet = trigger.quiet_rows(current, target)
    for row in range(quiet):  # every bar passed: the bar-by-bar check does not fire
        assert not trigger.check_arrays(current[row], target, symbols).fired
    if quiet < rows:  # the first bar kept for the cycle: at the level (within the margin) or NaN
        w = current[quiet]
        bound = 0.5 * (np.abs(w - target).sum() + abs(target.sum() - w.sum()))
        assert not bound < threshold - DRIFT_TOLERANCE - 2 * QUIET_MARGIN
