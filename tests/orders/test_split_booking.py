"""Stock splits of held positions: the rule that books a split the data confirms, the pending
rule while the data does not show it yet, and the book rebuilt with a split among its fills."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tradewind.domain.actions import CorporateAction
from tradewind.domain.orders import ClientOrderId, Fill, Side
from tradewind.domain.types import Symbol
from tradewind.orders.account import Baseline, rebuild_book
from tradewind.orders.reconcile import adopted_baseline, compare_account
from tradewind.orders.splits import pending_deadline, split_pending, splits_explain, unbooked

SYMBOLS = ("AAA", "BBB")
EX = date(2024, 6, 10)
AT = datetime(2024, 6, 10, 20, 0, tzinfo=UTC)  # the ex-date's bar: the session's close


def _split(symbol: str, ratio: float, ex: date = EX) -> CorporateAction:
    return CorporateAction(symbol, ex, AT, split=ratio)


def _book(aaa: float = 10.0, bbb: float = 0.0) -> Baseline:
    positions = {"AAA": (aaa, 100.0)}
    if bbb:
        positions["BBB"] = (bbb, 50.0)
    return Baseline(10_000.0, positions)


def _diffs(baseline: Baseline, positions: dict[str, float], cash: float = 10_000.0):  # type: ignore[no-untyped-def]
    book = baseline.ledger(SYMBOLS)
    return book, compare_account(book, positions, cash)


def test_a_forward_split_explains_the_quantity_times_its_ratio() -> None:
    book, diffs = _diffs(_book(), {"AAA": 40.0})
    got = splits_explain(diffs, 0, [_split("AAA", 4.0)], {"AAA": 25.0})
    assert got is not None and [(b.action.split, b.fraction, b.cash_in_lieu) for b in got] == [
        (4.0, 0.0, 0.0)
    ]
    # booked, the book holds what the broker holds: no difference left
    after = _book().with_split(got[0].action)
    assert compare_account(after.ledger(SYMBOLS), {"AAA": 40.0}, 10_000.0) == []
    assert after.ledger(SYMBOLS).average_cost[0] == pytest.approx(25.0)


def test_a_reverse_split_with_cash_in_lieu_of_the_fraction() -> None:
    # 15 shares, 1-for-10: 1.5 new shares; the broker issues 1 and pays the half in cash
    book, diffs = _diffs(_book(15.0), {"AAA": 1.0}, 10_000.0 + 480.0)
    got = splits_explain(diffs, 0, [_split("AAA", 0.1)], {"AAA": 1000.0})
    assert got is not None
    (b,) = got
    assert b.fraction == pytest.approx(0.5) and b.cash_in_lieu == pytest.approx(480.0)
    after = _book(15.0).with_split(b.action, b.fraction, b.cash_in_lieu)
    assert compare_account(after.ledger(SYMBOLS), {"AAA": 1.0}, 10_480.0) == []
    # more cash than the fraction is worth at the last price: not a split's doing
    book, diffs = _diffs(_book(15.0), {"AAA": 1.0}, 10_000.0 + 600.0)
    assert splits_explain(diffs, 0, [_split("AAA", 0.1)], {"AAA": 1000.0}) is None
    # a reverse split's fraction neither issued nor paid for: not explained
    book, diffs = _diffs(_book(15.0), {"AAA": 1.0})
    assert splits_explain(diffs, 0, [_split("AAA", 0.1)], {"AAA": 1000.0}) is None


def test_a_cash_difference_beside_a_whole_share_split_is_left_to_the_other_rules() -> None:
    # a dividend paid the day the broker splits the shares: the split explains the position,
    # the cash is not its doing and is left for the income rule (reconciliation looks again)
    base = _book()
    book, diffs = _diffs(base, {"AAA": 40.0}, 10_000.0 + 5.0)
    got = splits_explain(diffs, 0, [_split("AAA", 4.0)], {"AAA": 25.0})
    assert got is not None and [(b.action.symbol, b.cash_in_lieu) for b in got] == [("AAA", 0.0)]
    left = compare_account(base.with_split(got[0].action).ledger(SYMBOLS), {"AAA": 40.0}, 10_005.0)
    assert [(d.kind, d.expected, d.actual) for d in left] == [("cash", 10_000.0, 10_005.0)]
    # a cash difference alone is no split's doing
    book, diffs = _diffs(base, {"AAA": 10.0}, 10_000.0 + 5.0)
    assert splits_explain(diffs, 0, [_split("AAA", 4.0)], {"AAA": 25.0}) is None


def test_two_symbols_split_at_once() -> None:
    base = _book(10.0, 6.0)
    book, diffs = _diffs(base, {"AAA": 40.0, "BBB": 3.0})
    splits = [_split("AAA", 4.0), _split("BBB", 0.5)]
    got = splits_explain(diffs, 0, splits, {"AAA": 25.0, "BBB": 100.0})
    assert got is not None and {b.action.symbol for b in got} == {"AAA", "BBB"}
    # one of them alone does not explain both differences
    assert splits_explain(diffs, 0, splits[:1], {}) is None


def test_a_split_that_does_not_match_the_difference_halts() -> None:
    book, diffs = _diffs(_book(), {"AAA": 30.0})  # 3x, the data says 4-for-1
    assert splits_explain(diffs, 0, [_split("AAA", 4.0)], {"AAA": 25.0}) is None
    # other problems (an order nobody placed), or a position difference no split explains
    book, diffs = _diffs(_book(10.0, 6.0), {"AAA": 40.0, "BBB": 6.0})
    assert splits_explain(diffs, 1, [_split("AAA", 4.0)], {}) is None
    book, diffs = _diffs(_book(10.0, 6.0), {"AAA": 40.0, "BBB": 7.0})
    assert splits_explain(diffs, 0, [_split("AAA", 4.0), _split("BBB", 2.0)], {}) is None


def test_a_held_symbols_split_the_broker_shows_no_difference_for_stays_unbooked() -> None:
    # BBB's split was in the broker's account when the run started (its first start fell in
    # the split's ex-date session): BBB does not differ, and AAA's later split is still booked
    book, diffs = _diffs(_book(10.0, 6.0), {"AAA": 40.0, "BBB": 6.0})
    splits = [_split("AAA", 4.0), _split("BBB", 2.0, date(2024, 6, 3))]
    got = splits_explain(diffs, 0, splits, {})
    assert got is not None and [b.action.symbol for b in got] == ["AAA"]


def test_a_booked_split_is_never_booked_twice() -> None:
    s = _split("AAA", 4.0)
    later = _split("AAA", 2.0, date(2024, 9, 3))
    assert unbooked([s, later, s], [s.split_id]) == [later]
    base = _book().with_split(s)
    book, diffs = _diffs(base, {"AAA": 40.0})
    assert diffs == []
    # the same split seen again with a difference it does not explain: nothing booked
    book, diffs = _diffs(base, {"AAA": 160.0})
    assert splits_explain(diffs, 0, unbooked([s], [a.split_id for a in base.splits]), {}) is None


def test_pending_only_when_the_difference_looks_like_a_split() -> None:
    book, diffs = _diffs(_book(10.0, 6.0), {"AAA": 40.0, "BBB": 2.0})
    pending = split_pending(diffs, 0)
    assert pending is not None
    assert [(p.symbol, p.ratio) for p in pending] == [("AAA", 4.0), ("BBB", pytest.approx(1 / 3))]
    assert pending[0].describe() == "AAA looks like a 4-for-1 split"
    # not split-like: a ratio no split takes, a new position, cash, other problems
    assert split_pending(_diffs(_book(), {"AAA": 37.0})[1], 0) is None
    assert split_pending(_diffs(_book(), {"AAA": 10.0, "BBB": 5.0})[1], 0) is None
    assert split_pending(_diffs(_book(), {"AAA": 40.0}, 9_000.0)[1], 0) is None
    assert split_pending(_diffs(_book(), {"AAA": 40.0})[1], 1) is None


def _fill(day: int, hour: int, side: Side, qty: float, price: float) -> Fill:
    ts = datetime(2024, 6, day, hour, 0, tzinfo=UTC)
    cid = ClientOrderId(f"o{day}{hour}")
    return Fill(cid, Symbol("AAA"), side, qty, price, ts, commission=1.0)


def test_the_book_takes_a_split_among_its_fills_at_the_ex_date() -> None:
    base = Baseline(10_000.0, {"AAA": (10.0, 100.0)}).with_split(_split("AAA", 4.0))
    fills = [
        _fill(7, 15, Side.BUY, 10.0, 120.0),  # before: 20 shares at (1000 + 1201) / 20
        _fill(10, 11, Side.SELL, 20.0, 30.0),  # ex-date, 07:00 New York (pre-market): after
        _fill(11, 15, Side.BUY, 4.0, 31.0),
    ]
    book = rebuild_book(SYMBOLS, base, fills)
    avg_before = (10 * 100.0 + 10 * 120.0 + 1.0) / 20  # 110.05
    avg_split = avg_before / 4  # 27.5125 on 80 shares
    realized = (30.0 - avg_split) * 20.0 - 1.0  # the sale of 20 of the 80
    left = 60.0 + 4.0
    avg_after = (60.0 * avg_split + 4.0 * 31.0 + 1.0) / left
    assert book.quantity[0] == pytest.approx(left)
    assert book.average_cost[0] == pytest.approx(avg_after)
    assert book.realized_pnl == pytest.approx(realized)
    assert book.cash == pytest.approx(10_000.0 - 1201.0 + 599.0 - 125.0)
    # the same fills without the split booked: the old shares, as before
    plain = rebuild_book(SYMBOLS, Baseline(10_000.0, {"AAA": (10.0, 100.0)}), fills)
    assert plain.quantity[0] == pytest.approx(4.0)
    # the baseline keeps its splits through JSON, and they change its key
    again = Baseline.from_json(base.to_json())
    assert again == base and again.key() != Baseline(10_000.0, {"AAA": (10.0, 100.0)}).key()


def test_an_adoption_after_a_split_is_taken_in_the_old_shares() -> None:
    base = _book().with_split(_split("AAA", 4.0))
    book, diffs = _diffs(base, {"AAA": 44.0})  # 4 more shares than the 40
    adopted = adopted_baseline(base, book, diffs, {"AAA": 25.0})
    assert compare_account(adopted.ledger(SYMBOLS), {"AAA": 44.0}, 10_000.0) == []


def test_a_pending_split_waits_until_the_end_of_the_next_session() -> None:
    from tradewind.service.reconciliation import _next_close

    seen = datetime(2024, 6, 7, 14, 0, tzinfo=UTC)  # a Friday's session, 10:00 New York
    assert pending_deadline(seen, _next_close) == datetime(2024, 6, 10, 20, 0, tzinfo=UTC)
    premarket = datetime(2024, 6, 10, 11, 0, tzinfo=UTC)  # the ex-date, before its open
    assert pending_deadline(premarket, _next_close) == datetime(2024, 6, 11, 20, 0, tzinfo=UTC)
