"""The schedule: cycles while the NYSE is open (holidays, weekends, early closes), once at
start-up if open; the wall-clock loop on a fake clock sleeps across the weekend writing
heartbeats, and a stop request ends a sleep at once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from servicekit import load, write_config

from tradewind.engine.clock import SessionClock
from tradewind.service import StopFlag, TradeOptions, TradingService
from tradewind.store import Store

ET = "America/New_York"


def et(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=ET)


@pytest.fixture(scope="module")
def hourly() -> SessionClock:
    return SessionClock(3600)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("2024-03-08 09:00", "2024-03-08 09:30"),  # before the open
        ("2024-03-08 09:30", "2024-03-08 10:30"),  # strictly after
        ("2024-03-08 15:31", "2024-03-11 09:30"),  # Friday after the last slot: Monday
        ("2024-07-03 12:45", "2024-07-05 09:30"),  # early close 13:00, then July 4th
        ("2024-11-28 10:00", "2024-11-29 09:30"),  # Thanksgiving
        ("2024-12-24 11:40", "2024-12-24 12:30"),  # last slot before a 13:00 close
    ],
)
def test_next_slot(hourly: SessionClock, after: str, expected: str) -> None:
    assert hourly.next_slot(et(after)) == et(expected)


def test_slots_stop_before_the_close_on_early_close_days(hourly: SessionClock) -> None:
    slots = hourly.session_slots(pd.Timestamp("2024-11-29"))
    assert [s.tz_convert(ET).strftime("%H:%M") for s in slots] == [
        "09:30",
        "10:30",
        "11:30",
        "12:30",
    ]
    assert len(hourly.session_slots(pd.Timestamp("2024-11-27"))) == 7


def test_startup_tick_only_while_open(hourly: SessionClock) -> None:
    assert hourly.startup_tick(et("2024-03-08 11:47:31")) == et("2024-03-08 11:47")
    assert hourly.startup_tick(et("2024-03-09 11:47")) is None  # Saturday
    assert hourly.startup_tick(et("2024-03-08 16:00")) is None  # at the close


class FakeTime:
    """A clock that moves only when the service waits."""

    def __init__(self, start: pd.Timestamp, stop: StopFlag, stop_at: pd.Timestamp | None) -> None:
        self.t = start.tz_convert("UTC")
        self.stop = stop
        self.stop_at = stop_at
        self.waited = 0.0

    def now(self) -> pd.Timestamp:
        return self.t

    def wait(self, seconds: float) -> bool:
        self.t += pd.Timedelta(seconds=seconds)
        self.waited += seconds
        if self.stop_at is not None and self.t >= self.stop_at:
            self.stop.set("SIGTERM (test)")
        return self.stop.is_set


def _wall(
    tmp_path: Path,
    start: str,
    *,
    cycles: int | None,
    stop_at: str | None = None,
    fill_price: str = "close",
) -> tuple[FakeTime, object]:
    config = write_config(tmp_path, execution={"fill_price": fill_price})
    stop = StopFlag()
    clock = FakeTime(et(start), stop, et(stop_at) if stop_at else None)
    service = TradingService(
        load(config),
        TradeOptions(interval=3600, max_cycles=cycles),
        now=clock.now,
        wait=clock.wait,
        stop=stop,
    )
    return clock, service.run()


def test_wall_clock_runs_at_start_up_then_on_the_hour_and_sleeps_over_the_weekend(
    tmp_path: Path,
) -> None:
    clock, result = _wall(tmp_path, "2020-03-06 15:10", cycles=4)  # a Friday afternoon
    assert result.status == "stopped" and result.cycles == 4  # type: ignore[attr-defined]
    with Store(f"sqlite:///{tmp_path / 'tw.db'}", mode=None) as store:
        times = [pd.Timestamp(c.ts).tz_convert(ET).strftime("%a %H:%M") for c in store.cycles(1)]
        assert times == ["Fri 15:10", "Fri 15:30", "Mon 09:30", "Mon 10:30"]
        up = store.uptime(None, et("2020-03-06 15:10"), clock.now(), pd.Timedelta(seconds=300))
        assert up.percent == pytest.approx(100.0)  # heartbeats all weekend long
        assert up.heartbeats > 2 * 24 * 12
        assert store.run(1).status == "stopped"
        # the service's own events carry its clock's time, as its cycles do (not the machine's)
        started, stopped = (
            store.events(1, kinds=[k])[0] for k in ("service_start", "service_stop")
        )
        assert pd.Timestamp(started.ts) == et("2020-03-06 15:10")
        assert pd.Timestamp(stopped.ts) == clock.now()


def test_orders_still_open_at_the_close_are_canceled_when_the_session_ends(
    tmp_path: Path,
) -> None:
    # next-open orders placed on Friday afternoon cannot fill before the close
    _, result = _wall(tmp_path, "2020-03-06 15:10", cycles=3, fill_price="next_open")
    assert result.cycles == 3  # type: ignore[attr-defined]
    with Store(f"sqlite:///{tmp_path / 'tw.db'}", mode=None) as store:
        friday = [o for o in store.orders(1) if o.request.created_at.day == 6]
        assert friday and all(o.status.value == "canceled" for o in friday)
        notes = [e.message for e in store.events(1, kinds=["order_canceled"])]
        assert len(notes) == len(friday) and all("session close" in n for n in notes)
        [warned] = store.events(1, kinds=["config_warning"])  # said so at start-up
        assert "nothing ever fills" in warned.message and warned.severity == "warning"
        assert store.open_orders(1) == [] or all(
            o.request.created_at.day == 9 for o in store.open_orders(1)
        )


def test_a_stop_request_ends_the_sleep_at_once(tmp_path: Path) -> None:
    clock, result = _wall(tmp_path, "2020-03-06 15:10", cycles=None, stop_at="2020-03-07 12:00")
    assert result.status == "stopped" and result.cycles == 2  # type: ignore[attr-defined]
    assert clock.now() < et("2020-03-07 12:10")  # did not sleep on until Monday


def test_wall_clock_on_data_that_ends_long_ago_is_refused(tmp_path: Path) -> None:
    from tradewind.domain.errors import ConfigError

    with pytest.raises(ConfigError, match="--replay START:END") as refused:
        _wall(tmp_path, "2024-03-08 11:00", cycles=1)
    text = str(refused.value)  # the synthetic market of the config ends in 2020
    assert "has no current prices (its latest bar is from 2020-12-31; " in text
    assert "today is 2024-03-08" in text and "none recent" not in text
    assert not (tmp_path / "tw.db").exists()  # refused before anything was written
