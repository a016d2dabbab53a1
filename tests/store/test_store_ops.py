"""Events, latched halts that survive restarts, the notification outbox, heartbeats and uptime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from storekit import T0, at

from tradewind.store import NewEvent, OutboxMessage, Store, StoreError


def test_events_filter_by_run_kind_severity_and_time(store: Store, run_id: int) -> None:
    store.record_event(run_id, "order_rejected", "no cash", "warning", ts=at(1))
    store.record_event(None, "startup", "hello", ts=at(0))
    store.record_event(run_id, "data_error", "NaN close", "error", ts=at(2), data={"sym": "AAA"})
    assert [e.kind for e in store.events()] == ["startup", "order_rejected", "data_error"]
    assert [e.kind for e in store.events(run_id)] == ["order_rejected", "data_error"]
    assert [e.kind for e in store.events(min_severity="warning")] == [
        "order_rejected",
        "data_error",
    ]
    assert [e.kind for e in store.events(kinds=["startup"])] == ["startup"]
    assert [e.kind for e in store.events(since=at(2))] == ["data_error"]
    assert [e.kind for e in store.events(limit=1)] == ["data_error"]
    assert store.events(kinds=["data_error"])[0].data == {"sym": "AAA"}
    with pytest.raises(ValueError, match="severity must be one of"):
        store.record_event(run_id, "x", "y", "fatal")


def test_a_halt_survives_a_restart_and_clears_only_with_who_and_why(db_url: str) -> None:
    store = Store(db_url, mode="simulated")
    run = store.start_run(name="r", started_at=T0, symbols=["AAA"], initial_cash=1.0)
    halt = store.latch_halt("daily_loss", "lost 3.1% today", ts=at(1), run_id=run)
    again = store.latch_halt("daily_loss", "lost 3.5% today", ts=at(2), run_id=run)
    assert again == halt  # latched once while active
    store.close()

    restarted = Store(db_url, mode="simulated")  # a new process after a crash
    active = restarted.active_halt()
    assert active is not None and active.id == halt.id and active.reason == "lost 3.1% today"
    for who, why in (("", "ok"), ("alice", "  ")):
        with pytest.raises(ValueError, match="who is clearing it and why"):
            restarted.clear_halt(who, why)
    assert restarted.active_halt() is not None
    [cleared] = restarted.clear_halt("alice", "checked the fills", ts=at(60))
    assert (cleared.cleared_by, cleared.clear_reason, cleared.cleared_at) == (
        "alice", "checked the fills", at(60),
    )  # fmt: skip
    assert restarted.active_halt() is None
    assert restarted.clear_halt("bob", "again") == []
    kinds = [(e.kind, e.severity) for e in restarted.events()]
    assert kinds == [("halt_latched", "critical"), ("halt_cleared", "warning")]
    assert "alice" in restarted.events(kinds=["halt_cleared"])[0].message
    assert [h.active for h in restarted.halts()] == [False]
    restarted.close()


def test_clearing_one_halt_leaves_the_others(store: Store) -> None:
    a = store.latch_halt("drawdown", "-20%", ts=at(0))
    b = store.latch_halt("manual", "operator", ts=at(1))
    assert [h.id for h in store.active_halts()] == [a.id, b.id]
    store.clear_halt("alice", "done", halt_id=a.id, ts=at(2))
    assert [h.id for h in store.active_halts()] == [b.id]


def test_notifications_go_out_with_what_they_report_or_not_at_all(
    store: Store, run_id: int
) -> None:
    msg = [OutboxMessage("discord", {"text": "halted"}), OutboxMessage("telegram", {"text": "h"})]
    store.latch_halt("drawdown", "-20%", ts=at(0), notify=msg)
    assert [n.channel for n in store.pending_notifications(now=at(0))] == ["discord", "telegram"]

    def fail(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("INSERT INTO notifications"):
            raise RuntimeError("boom")

    event.listen(store.engine, "before_cursor_execute", fail)
    with pytest.raises(RuntimeError):
        store.record_event(run_id, "k", "m", ts=at(1), notify=[OutboxMessage("log", {"a": 1})])
    event.remove(store.engine, "before_cursor_execute", fail)
    assert [e.kind for e in store.events()] == ["halt_latched"]  # the event rolled back too


def test_a_state_change_and_the_events_reporting_it_land_together_or_not_at_all(
    store: Store, run_id: int
) -> None:
    """The baseline after booked dividends or fees, and the events and notifications saying
    so, are one transaction (``save_state(..., events=)``): a crash keeps both or neither."""
    booked = NewEvent(
        run_id, "cash_income", "dividend AAA $1.00", ts=at(3), data={"amount": 1.0},
        notify=[OutboxMessage("discord", {"text": "dividend"})],
    )  # fmt: skip
    store.save_state("baseline-run1", {"cash": 1.0}, events=[booked])
    assert store.load_state("baseline-run1") == {"cash": 1.0}
    [e] = store.events(kinds=["cash_income"])
    assert (e.run_id, e.ts, e.data) == (run_id, at(3), {"amount": 1.0})
    assert [n.channel for n in store.pending_notifications(now=at(3))] == ["discord"]

    def fail(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("INSERT INTO notifications"):
            raise RuntimeError("boom")

    event.listen(store.engine, "before_cursor_execute", fail)
    with pytest.raises(RuntimeError):
        store.save_state("baseline-run1", {"cash": 2.0}, events=[booked])
    event.remove(store.engine, "before_cursor_execute", fail)
    assert store.load_state("baseline-run1") == {"cash": 1.0}  # the state rolled back too
    assert len(store.events(kinds=["cash_income"])) == 1
    with pytest.raises(ValueError):  # a bad event is refused before anything is written
        store.save_state("baseline-run1", {"cash": 3.0}, events=[NewEvent(run_id, "k", "m", "?")])
    assert store.load_state("baseline-run1") == {"cash": 1.0}


def test_outbox_retries_and_gives_up(store: Store) -> None:
    first = store.enqueue_notification("discord", {"text": "a"}, ts=at(0), dedupe_key="k1")
    assert store.enqueue_notification("discord", {"text": "a2"}, ts=at(0), dedupe_key="k1") == first
    second = store.enqueue_notification("log", {"text": "b"}, ts=at(0))
    store.mark_failed(first, "HTTP 429", retry_at=at(5))
    assert [n.id for n in store.pending_notifications(now=at(1))] == [second]
    assert [n.id for n in store.pending_notifications("discord", now=at(5))] == [first]
    store.mark_sent(first, ts=at(5))
    store.mark_failed(second, "disk full")
    assert store.pending_notifications(now=at(10)) == []
    sent, failed = store.notifications()
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == (
        "sent", 2, at(5), "HTTP 429",
    )  # fmt: skip
    assert (failed.status, failed.attempts) == ("failed", 1)
    with pytest.raises(ValueError, match="channel name"):
        store.enqueue_notification("https://discord.com/api/webhooks/1/x", {}, ts=at(0))
    with pytest.raises(StoreError, match="no notification with id 99"):
        store.mark_sent(99)


def test_uptime_counts_silences_longer_than_expected(store: Store, run_id: int) -> None:
    minute = timedelta(minutes=1)
    beats = [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]  # down between 4 and 10
    for m in beats:
        store.heartbeat(run_id, at(m) + timedelta(seconds=7 * (m % 2)))  # jitter is fine
    up = store.uptime(run_id, at(0), at(15), minute)
    assert up.heartbeats == 10
    assert up.gaps == ((at(4) + 1.5 * minute, at(10)),)
    assert up.down == 4.5 * minute
    assert up.percent == pytest.approx(100 * (1 - 4.5 / 15))
    assert store.last_heartbeat(run_id) == at(14)


def test_uptime_spans_restarts_and_counts_a_silent_window_as_down(
    store: Store, run_id: int
) -> None:
    second = store.start_run(name="r2", started_at=at(5), symbols=["AAA"], initial_cash=1.0)
    for m in range(5):
        store.heartbeat(run_id, at(m))
    for m in range(5, 10):
        store.heartbeat(second, at(m))
    minute = timedelta(minutes=1)
    assert store.uptime(None, at(0), at(9), minute).fraction == 1.0
    assert store.uptime(second, at(0), at(9), minute).down == 3.5 * minute
    silent = store.uptime(None, at(100), at(110), minute)
    assert (silent.fraction, silent.gaps) == (0.0, ((at(100), at(110)),))
    assert store.uptime(None, at(3), at(3), minute).fraction == 1.0
    with pytest.raises(ValueError, match="positive"):
        store.uptime(None, at(0), at(1), timedelta(0))
