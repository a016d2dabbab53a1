"""The all-within check of the pre-trade limits, row by row (``_rows_within``, up to
``SMALL_BATCH`` trades) and on arrays (``_columns_within``), answers the same on every input:
random rebalances, rooms at the tolerance edge, missing prices, NaN and infinite figures,
repeated symbols, buys before sells."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tradewind.domain.ledger import SMALL_BATCH
from tradewind.domain.plans import Policy
from tradewind.risk import limits
from tradewind.risk.limits import _columns_within, _rows_within

ODD = [math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, 1e308]


def sums_before(
    k: int, buy: np.ndarray, value: np.ndarray, cost: np.ndarray, held: float, cash: float
) -> tuple[float, float]:
    """The loop's running sums of held value and cash before row ``k``, in its order."""
    for j in range(k):
        if buy[j]:
            held += value[j]
            cash += -(value[j] + cost[j])
        else:
            held += -value[j]
            cash += value[j] - cost[j]
    return held, cash


@st.composite
def rows(draw: st.DrawFn) -> tuple[object, ...]:
    """A sells-first (mostly) rebalance whose buys sit near, at or past their rooms."""
    n = draw(st.integers(0, 12))
    n_symbols = max(n, 1) + draw(st.integers(0, 3))
    index = np.array(draw(st.permutations(range(n_symbols)))[:n], dtype=np.int64)
    if n >= 2 and draw(st.integers(0, 9)) == 0:
        index[-1] = index[0]  # a repeated symbol
    sells = draw(st.integers(0, n))
    buy = np.arange(n) >= sells
    if n >= 2 and draw(st.integers(0, 9)) == 0:
        buy = buy[::-1].copy()  # buys first
    price = np.array([draw(st.floats(1.0, 500.0)) for _ in range(n)])
    held = np.array([draw(st.sampled_from([0.0, 3.0] if b else [1.0, 7.5, 40.0])) for b in buy])
    if n and draw(st.integers(0, 5)) == 0:  # a sell of a flat or short position
        held[draw(st.integers(0, n - 1))] = draw(st.sampled_from([0.0, -2.0]))
    want = np.array([draw(st.floats(0.01, 60.0)) for _ in range(n)])
    for k in range(n):  # sells within, at or just past their positions
        if not buy[k] and held[k] > 0:
            over = draw(st.integers(0, 2 * n)) == 0  # now and then a hair past the position
            ratio = st.sampled_from([1.0 + 1e-15, 1.0 + 1e-12] if over else [0.25, 0.5, 1.0])
            want[k] = held[k] * draw(ratio)
    cash = draw(st.sampled_from([0.0, 500.0, 5_000.0, 50_000.0, 500_000.0]))
    share = draw(st.sampled_from([0.01, 0.05, 0.2, 0.3]))  # buys of about this share of the cash
    for k in np.flatnonzero(buy).tolist():
        want[k] = max(cash, 1.0) * share * draw(st.floats(0.1, 1.2)) / price[k]
    cost = want * price * draw(st.sampled_from([0.0, 0.001, 0.01]))
    held_value = float(np.add.reduce(np.maximum(held, 0.0) * price)) + draw(
        st.sampled_from([0.0, 1_000.0])
    )
    equity = cash + held_value - float(np.add.reduce(cost))
    cap = draw(st.sampled_from([0.05, 0.2, 0.5, 1.0, 1.0]))
    policy = Policy("p", cap, draw(st.sampled_from([cap, 1.0])), 0.0)
    if n and buy.any() and draw(st.booleans()):
        _at_a_room(draw, buy, price, want, cost, held, cash, held_value, equity, policy)
    _odd_figures(draw, price, want, cost, held)
    if draw(st.integers(0, 30)) == 0:
        equity = draw(st.sampled_from(ODD))
    if draw(st.integers(0, 30)) == 0:
        cash = draw(st.sampled_from(ODD))
    return index, buy, price, want, cost, held, cash, held_value, equity, policy


def _odd_figures(draw: st.DrawFn, *columns: np.ndarray) -> None:
    """Now and then an odd figure (NaN, infinite, zero, negative, huge) anywhere."""
    for arr in columns:
        if len(arr) and draw(st.integers(0, 15)) == 0:
            arr[draw(st.integers(0, len(arr) - 1))] = draw(st.sampled_from(ODD))


def _at_a_room(
    draw: st.DrawFn,
    buy: np.ndarray,
    price: np.ndarray,
    want: np.ndarray,
    cost: np.ndarray,
    held: np.ndarray,
    cash: float,
    held_value: float,
    equity: float,
    policy: Policy,
) -> None:
    """Set one buy's quantity exactly at one of its rooms, by the loop's running sums in its
    order, then nudged a hair either way."""
    cap = policy.max_position_size
    k = draw(st.sampled_from(np.flatnonzero(buy).tolist()))
    held_before, cash_before = sums_before(k, buy, want * price, cost, held_value, cash)
    rooms = (
        cap * equity - held[k] * price[k],
        policy.invested_fraction * equity - held_before,
        cash_before - cost[k],
    )
    room = max(min(rooms), 0.0) * (1.0 + 1e-12)
    nudge = 1.0 + draw(st.sampled_from([0.0, -1e-16, 1e-16, 1e-15, -1e-14, 1e-14, 2e-12]))
    if room > 0:
        want[k] = room / price[k] * nudge


@settings(max_examples=3000, deadline=None)
@given(rows())
def test_rows_answer_as_columns(case: tuple[object, ...]) -> None:
    with np.errstate(all="ignore"):
        want = _columns_within(*case)  # type: ignore[arg-type]
    assert _rows_within(*case) is want  # type: ignore[arg-type]
    event("within" if want else "not within")


@pytest.mark.parametrize("n", [2, 20, SMALL_BATCH, SMALL_BATCH + 1])
def test_the_planner_s_shape_passes_both_ways_and_large_batches_take_the_arrays(
    n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(n)
    index = rng.permutation(n).astype(np.int64)
    sells = n // 2
    buy = np.arange(n) >= sells
    price = rng.uniform(10.0, 200.0, n)
    held = np.where(buy, 0.0, rng.uniform(5.0, 50.0, n))
    want = np.where(buy, rng.uniform(1.0, 3.0, n), held * 0.5)
    cost = want * price * 0.001
    cash, held_value = 100_000.0, float(np.add.reduce(held * price))
    equity = cash + held_value - float(np.add.reduce(cost))
    policy = Policy("p", 1.0, 1.0, 0.0)
    case = (index, buy, price, want, cost, held, cash, held_value, equity, policy)
    assert _rows_within(*case) is _columns_within(*case) is True
    called: list[str] = []
    for name in ("_rows_within", "_columns_within"):
        real = getattr(limits, name)

        def spy(*a: object, _real: object = real, _name: str = name) -> object:
            called.append(_name)
            return _real(*a)  # type: ignore[operator]

        monkeypatch.setattr(limits, name, spy)
    assert limits._within(*case) is True
    assert called == (["_rows_within"] if n <= SMALL_BATCH else ["_columns_within"])


def _edge_case(seed: int, which: int, ulps: int) -> tuple[object, ...]:
    """Three sells then four buys; the last buy sits ``ulps`` steps of its quantity past the
    room ``which`` (0 position cap, 1 exposure cap, 2 cash), the other two rooms loose."""
    rng = np.random.default_rng(seed)
    n, sells = 7, 3
    index = rng.permutation(9)[:n].astype(np.int64)
    buy = np.arange(n) >= sells
    price = rng.uniform(5.0, 400.0, n)
    held = np.where(buy, rng.choice([0.0, 2.0], n), rng.uniform(5.0, 80.0, n))
    want = np.where(buy, rng.uniform(1.0, 4.0, n), held * rng.choice([0.3, 1.0], n))
    cost = want * price * rng.choice([0.0, 0.0007, 0.003])
    cash = float(rng.uniform(300.0, 20_000.0))
    held_value = float(np.add.reduce(held * price)) + (0.0 if which == 1 else 1e6)
    equity = cash + held_value - float(np.add.reduce(cost))
    cap = 1.0 if which != 0 else 0.01
    policy = Policy("p", cap, 1.0 if which != 1 else 0.5, 0.0)
    held_before, cash_before = sums_before(n - 1, buy, want * price, cost, held_value, cash)
    rooms = (
        cap * equity - held[-1] * price[-1],
        policy.invested_fraction * equity - held_before,
        cash_before - cost[-1],
    )
    q = max(rooms[which], 0.0) * (1.0 + 1e-12) / price[-1]
    for _ in range(abs(ulps)):
        q = math.nextafter(q, math.inf if ulps > 0 else 0.0)
    want[-1] = q
    return index, buy, price, want, cost, held, cash, held_value, equity, policy


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("ulps", [-2, -1, 0, 1, 2])
def test_a_buy_at_the_edge_of_each_room_gets_the_same_answer(which: int, ulps: int) -> None:
    answers = []
    for seed in range(40):
        case = _edge_case(seed, which, ulps)
        want = _columns_within(*case)  # type: ignore[arg-type]
        assert _rows_within(*case) is want  # type: ignore[arg-type]
        answers.append(want)
    if ulps > 0:
        assert not any(answers)  # past its room by a hair: the buy is resized by the loop
    if ulps < 0:
        assert any(answers)
