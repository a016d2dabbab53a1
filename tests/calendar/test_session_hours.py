"""The NYSE's hours read without pandas (:mod:`tradewind.calendar.session_hours`): the stored
table answers "open now, until when" exactly as ``exchange_calendars`` does (holidays, early
closes, weekends, the open and close minutes themselves); a damaged or outgrown file is never
trusted; ``tradewind status`` shows the answer."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tradewind.calendar import MarketCalendar
from tradewind.calendar.cache_folder import CACHE_ENV
from tradewind.calendar.session_hours import (
    HOURS_FILE,
    MarketNow,
    describe,
    market_now,
    needs_writing,
    write_hours,
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def _xnys():  # type: ignore[no-untyped-def]
    import exchange_calendars as xcals

    today = pd.Timestamp.now(tz="UTC").normalize().tz_localize(None)
    return xcals.get_calendar(
        "XNYS", start=today - pd.Timedelta(days=30), end=today + pd.Timedelta(days=800)
    )


def _library(t: datetime) -> tuple[bool, datetime, datetime]:
    """``exchange_calendars``' own answer at ``t``: open?, and the session's open and close
    (the current one when open, the next one when closed)."""
    cal = _xnys()
    ts = pd.Timestamp(t)
    is_open = bool(cal.is_open_on_minute(ts.floor("min")))
    session = cal.minute_to_session(ts, direction="next")
    if not is_open and ts >= cal.session_close(session):
        session = cal.next_session(session)
    return (
        is_open,
        cal.session_open(session).to_pydatetime(),
        cal.session_close(session).to_pydatetime(),
    )


def _instants() -> list[datetime]:
    """Instants a user could ask at, from today on: the seconds around the opens and closes of
    the next sessions and of the next early closes (the day before Christmas, after
    Thanksgiving), the holidays' middays, and random minutes over the coming year."""
    cal = _xnys()
    now = pd.Timestamp.now(tz="UTC").floor("min")
    coming = cal.sessions[cal.sessions >= now.tz_localize(None).normalize()]
    early = [
        d for d in coming[:300] if cal.session_close(d).tz_convert("America/New_York").hour < 16
    ]
    edges: list[pd.Timestamp] = []
    for day in [*coming[:3], *early[:2]]:
        for edge in (cal.session_open(day), cal.session_close(day)):
            edges += [edge - pd.Timedelta(seconds=1), edge]
    holidays = [
        d + pd.Timedelta(hours=17)
        for d in pd.bdate_range(coming[0], coming[250]).tz_localize("UTC")
        if d.tz_localize(None) not in set(coming)
    ]
    rng = random.Random(7)
    spread = [now + pd.Timedelta(minutes=rng.randrange(0, 360 * 24 * 60)) for _ in range(150)]
    return [t.to_pydatetime() for t in [*edges, *holidays[:5], *spread]]


def test_the_stored_table_answers_as_the_library(cache: Path) -> None:
    MarketCalendar()  # builds the calendar, which writes the table (wall clock: today)
    path = cache / HOURS_FILE
    assert path.is_file()
    for t in _instants():
        stored = market_now(t, path)
        assert stored is not None, t
        assert (stored.is_open, stored.opens, stored.closes) == _library(t), t


def test_the_calendar_answers_alike_without_the_table(cache: Path) -> None:
    cal = MarketCalendar()
    for t in _instants()[:40]:
        m = cal.market_now(t)
        assert (m.is_open, m.opens, m.closes) == _library(t), t


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"format": 99, "sessions": [[1, 2]]}),
        json.dumps({"format": 1, "sessions": []}),
        json.dumps({"format": 1, "sessions": [[10, 5]]}),  # closes before it opens
        json.dumps({"format": 1, "sessions": [[0, 100_000]]}),  # longer than a day
        json.dumps({"format": 1, "sessions": [[0, 10], [5, 20]]}),  # overlapping
        json.dumps({"format": 1, "sessions": [[0, "10"]]}),
    ],
)
def test_a_damaged_table_is_never_trusted(tmp_path: Path, body: str) -> None:
    path = tmp_path / HOURS_FILE
    path.write_text(body, encoding="utf-8")
    assert market_now(datetime.fromtimestamp(1, UTC), path) is None
    assert needs_writing(datetime.fromtimestamp(1, UTC), path) is True


def test_a_table_that_ends_soon_is_written_again(tmp_path: Path) -> None:
    path = tmp_path / HOURS_FILE
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    day = int(now.timestamp())
    write_hours([(day + 3600 * 24 * k, day + 3600 * 24 * k + 23_400) for k in range(30)], path)
    assert market_now(now, path) is not None
    assert needs_writing(now, path) is True  # 30 days left: under the 60 kept ahead
    write_hours([(day + 3600 * 24 * k, day + 3600 * 24 * k + 23_400) for k in range(90)], path)
    assert needs_writing(now, path) is False
    assert needs_writing(now - timedelta(days=1), path) is True  # before its first session
    assert market_now(now + timedelta(days=100), path) is None  # beyond its last session


def test_describe_reads_as_a_trader_expects() -> None:
    at = datetime(2026, 12, 24, 17, 30, tzinfo=UTC)
    opens = datetime(2026, 12, 24, 14, 30, tzinfo=UTC)
    assert (
        describe(MarketNow(at, True, opens, datetime(2026, 12, 24, 18, tzinfo=UTC)))
        == "NYSE open, closes 13:00 ET (in 0h 30m)"
    )
    later = datetime(2026, 12, 24, 19, tzinfo=UTC)
    nxt = MarketNow(
        later,
        False,
        datetime(2026, 12, 28, 14, 30, tzinfo=UTC),
        datetime(2026, 12, 28, 21, tzinfo=UTC),
    )
    assert describe(nxt) == "NYSE closed, opens Mon 2026-12-28 09:30 ET (in 3d 19h 30m)"


def test_a_calendar_of_past_years_never_replaces_the_table(cache: Path) -> None:
    MarketCalendar("2019-01-01", "2019-12-31")  # what a backtest of 2019 may build
    assert not (cache / HOURS_FILE).exists()
    MarketCalendar()
    table = (cache / HOURS_FILE).read_text(encoding="utf-8")
    MarketCalendar("2019-01-01", "2019-12-31")
    assert (cache / HOURS_FILE).read_text(encoding="utf-8") == table
