"""The breakers' fast path (no check run on a quiet bar) gives the trips of the full checks."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest

from tradewind.domain.ledger import ClosedTrade
from tradewind.risk import BreakerParams, Breakers
from tradewind.risk.breakers import Trip

T = datetime(2024, 1, 2, tzinfo=UTC)


def _every_check(
    br: Breakers, equity: float, closed: list[ClosedTrade], holding: dict[str, bool]
) -> list[Trip]:
    """What ``update`` did before the fast path: all three checks on every bar."""
    s = br.state
    if s.open_equity is None:
        s.open_equity = equity
    if s.peak_equity is None or equity > s.peak_equity:
        s.peak_equity = equity
    s.last_equity = equity
    trips = br._daily(equity)
    if br.params.enabled:
        trips += br._drawdown(equity)
        trips += br._round_trips(closed, holding)
    return trips


def test_update_matches_every_check_on_a_random_path() -> None:
    rng = np.random.default_rng(7)
    for enabled in (True, False):
        params = BreakerParams(0.02, 0.04, 0.06, 0.12, 3, enabled)
        fast, slow = Breakers(params), Breakers(params)
        closed: list[ClosedTrade] = []
        equity, fired = 100_000.0, 0
        for bar in range(3000):
            if bar % 5 == 0:
                for br in (fast, slow):
                    br.start_session(f"s{bar}", equity)
            equity *= float(np.exp(rng.normal(0.0, 0.015)))
            if rng.random() < 0.1:
                symbol = f"S{int(rng.integers(4))}"
                closed.append(ClosedTrade(symbol, T, 1.0, 100.0, 99.0, float(rng.normal())))
            holding = {f"S{i}": bool(rng.random() < 0.5) for i in range(4)}
            got = fast.update(equity, closed, holding)
            want = _every_check(slow, equity, closed, holding)
            assert got == want, bar
            assert fast.state == slow.state and fast.closed_seen == slow.closed_seen
            fired += len(got)
        assert fired > 10  # the path does trip (warnings and halts), not only quiet bars


def test_a_restarted_ledger_with_fewer_closed_trades_is_still_counted() -> None:
    br = Breakers(BreakerParams(consecutive_losses=2))
    slow = copy.deepcopy(br)
    br.closed_seen = slow.closed_seen = 5  # from a checkpoint of a longer ledger
    closed = [ClosedTrade("A", T, 1.0, 100.0, 90.0, -10.0)]
    assert br.update(100_000.0, closed, {}) == _every_check(slow, 100_000.0, closed, {})
    assert br.closed_seen == 1


@dataclass
class _Scanned:
    """One random path after a breakers' state: what ``update`` tripped on each bar the scan
    called quiet (those bars passed on arrays, the states then compared), on the bar after them
    (None: the path ended quiet), and the prefix the scan gives without a latched halt."""

    quiet: list[list[Trip]]
    after: list[Trip] | None
    unlatched: int


def _scan_against_update(
    rng: np.random.Generator, *, top: float, drift: float, vol: float, latched: bool
) -> _Scanned:
    params = BreakerParams(0.02, 0.04, 0.06, 0.12, 3, True)
    start = float(rng.uniform(90_000, 110_000))
    fast = Breakers(params)
    fast.start_session("s0", start)
    fast.update(start, [], {})
    fast.state.peak_equity = start * float(rng.uniform(1.0, top))
    fast.state.drawdown_warned = bool(rng.random() < 0.5)
    slow = copy.deepcopy(fast)
    equity = np.append(start, start * np.cumprod(np.exp(rng.normal(drift, vol, 40))))
    new_session = rng.random(41) < 0.6
    unlatched = fast.quiet_prefix(equity, new_session, 0)
    n = fast.quiet_prefix(equity, new_session, 0, latched=latched)
    quiet = []
    for j in range(1, n + 1):
        if new_session[j]:
            slow.start_session(f"s{j}", float(equity[j - 1]))
        quiet.append(slow.update(float(equity[j]), [], {}))
    last = max((j for j in range(1, n + 1) if new_session[j]), default=0)
    fast.pass_quiet(equity[: n + 1], new_session[: n + 1], f"s{last}")
    assert fast.state == slow.state
    after = None
    if n + 1 < len(equity):
        if new_session[n + 1]:
            slow.start_session("next", float(equity[n]))
        after = slow.update(float(equity[n + 1]), [], {})
    return _Scanned(quiet, after, unlatched)


def test_quiet_prefix_and_pass_quiet_match_update_bar_by_bar() -> None:
    """Bars the scan calls quiet trip nothing in ``update``; passing them on arrays leaves the
    state ``update`` leaves; the scan stops at every bar that does trip."""
    rng = np.random.default_rng(11)
    checked = tripped = 0
    for _ in range(200):
        path = _scan_against_update(rng, top=1.1, drift=0.0, vol=0.01, latched=False)
        assert all(trips == [] for trips in path.quiet)
        checked += len(path.quiet)
        tripped += bool(path.after)
    assert checked > 500 and tripped > 50


def test_a_latched_halt_passes_bars_beyond_its_levels() -> None:
    """With a halt latched, a bar beyond a halt level trips only halts, which the latched halt
    ignores (the first cause stays): the scan calls it quiet; a warning still ends the scan."""
    rng = np.random.default_rng(12)
    ignored = warned = 0
    for _ in range(300):
        path = _scan_against_update(rng, top=1.25, drift=-0.002, vol=0.02, latched=True)
        assert len(path.quiet) >= path.unlatched
        assert all(trip.halt for trips in path.quiet for trip in trips), path.quiet
        ignored += sum(len(trips) for trips in path.quiet)
        warned += any(not trip.halt for trip in path.after or [])
    assert ignored > 500 and warned > 50


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 0.0, -5.0])
def test_the_quiet_scan_stops_before_an_equity_it_does_not_model(bad: float) -> None:
    """A non-finite or non-positive equity ends the quiet prefix before its bar, wherever it
    falls; the bars before it are passed as ``update`` passes them."""
    params = BreakerParams(0.02, 0.04, 0.06, 0.12, 3, True)
    for at in range(1, 12):
        fast = Breakers(params)
        fast.start_session("s0", 100_000.0)
        fast.update(100_000.0, [], {})
        equity = np.full(12, 100_000.0) * np.linspace(1.0, 1.01, 12)
        equity[at] = bad
        new_session = np.ones(12, dtype=bool)
        assert fast.quiet_prefix(equity, new_session, 0) == at - 1
