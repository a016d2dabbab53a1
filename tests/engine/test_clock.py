"""Clocks drive every run: a replay steps through its times (paced if asked), the session clock
follows NYSE sessions with a close tick between them; both stop when their waiter does."""

from __future__ import annotations

import pandas as pd

from tradewind.engine.clock import ReplayClock, SessionClock, Tick

ET = "America/New_York"


def et(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=ET).tz_convert("UTC")


class FakeWaiter:
    """Moves a fake wall clock instead of sleeping; stops after ``stop_after`` waits."""

    def __init__(self, start: pd.Timestamp, stop_after: int | None = None) -> None:
        self.t = start
        self.waits: list[tuple[str, object]] = []
        self.stop_after = stop_after

    def now(self) -> pd.Timestamp:
        return self.t

    def _go_on(self) -> bool:
        return self.stop_after is None or len(self.waits) <= self.stop_after

    def until(self, target: pd.Timestamp) -> bool:
        self.waits.append(("until", target))
        self.t = max(self.t, target)
        return self._go_on()

    def seconds(self, seconds: float) -> bool:
        self.waits.append(("seconds", seconds))
        self.t += pd.Timedelta(seconds=seconds)
        return self._go_on()


def _times(n: int) -> pd.DatetimeIndex:
    return pd.date_range(et("2024-03-04 16:00"), periods=n, freq="D")


def test_a_replay_resumes_after_the_last_cycle_run_and_knows_its_now() -> None:
    clock = ReplayClock(_times(5))
    first = clock.start_after(_times(5)[1])
    assert first == _times(5)[2] and clock.now() == first
    ticks = [tick.t for tick in clock.schedule(FakeWaiter(et("2024-01-01")))]
    assert ticks == list(_times(5)[2:])
    done = ReplayClock(_times(3))
    assert done.start_after(_times(3)[-1]) is None and done.now() == _times(3)[-1]
    assert list(done.schedule(FakeWaiter(et("2024-01-01")))) == []


def test_a_paced_replay_waits_between_cycles_and_stops_when_asked() -> None:
    waiter = FakeWaiter(et("2024-01-01"), stop_after=2)
    clock = ReplayClock(_times(5), pause=30.0)
    clock.start_after(None)
    ticks = list(clock.schedule(waiter))
    assert [t.t for t in ticks] == list(_times(5)[:3])  # the third wait said stop
    assert waiter.waits == [("seconds", 30.0)] * 3


def test_the_session_clock_cycles_while_open_with_a_close_tick_between_sessions() -> None:
    now = et("2024-07-03 11:47:30")  # an early-close day (13:00), then July 4th
    waiter = FakeWaiter(now, stop_after=4)
    clock = SessionClock(3600, now=waiter.now, sleep=lambda _s: None)
    assert clock.start_after(None) == et("2024-07-03 11:47")
    ticks = list(clock.schedule(waiter))
    assert ticks == [
        Tick(et("2024-07-03 11:47"), next=et("2024-07-03 12:30")),
        Tick(et("2024-07-03 12:30"), next=et("2024-07-05 09:30")),
        Tick(et("2024-07-03 13:00"), close=True),
        Tick(et("2024-07-05 09:30"), next=et("2024-07-05 10:30")),
        Tick(et("2024-07-05 10:30"), next=et("2024-07-05 11:30")),
    ]


def test_the_session_clock_skips_a_startup_cycle_already_run() -> None:
    waiter = FakeWaiter(et("2024-03-08 11:47:31"))
    clock = SessionClock(3600, now=waiter.now)
    assert clock.start_after(et("2024-03-08 11:47")) is None
    assert clock.start_after(None) == et("2024-03-08 11:47")
    assert SessionClock(3600, now=lambda: et("2024-03-09 11:00")).start_after(None) is None


def test_taking_several_ticks_at_once_moves_now_and_the_ticks_go_on_after_them() -> None:
    times = _times(8)
    clock = ReplayClock(times)
    ticks = clock.ticks()
    assert next(ticks) == times[0] and clock.position == 0
    taken = clock.take(3)
    assert taken == list(times[1:4]) and clock.now() == times[3] and clock.position == 3
    assert next(ticks) == times[4] and clock.now() == times[4]
    assert clock.take(0) == [] and clock.position == 4  # nothing taken: nothing moves
    assert clock.take(10) == list(times[5:])  # fewer at the end
    assert clock.now() == times[-1] and list(ticks) == []
    assert clock.take(1) == [] and clock.now() == times[-1]
