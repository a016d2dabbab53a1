"""The NYSE session table cached on disk (:mod:`tradewind.calendar.schedule_cache`): a calendar
read back answers exactly as one built by ``exchange_calendars``, without importing it; a
damaged, foreign or stale file is never trusted; the key follows the library, not the clock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewind.calendar import MarketCalendar, schedule_cache

START, END = "1950-01-01", "2027-12-31"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(schedule_cache.CACHE_ENV, str(folder))
    return folder


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("nyse-schedule-*.npz"))


def test_a_calendar_read_back_answers_as_the_library_does(cache: Path) -> None:
    built = MarketCalendar(START, END)  # a miss: built by exchange_calendars, then stored
    assert len(_files(cache)) == 1
    read = MarketCalendar(START, END)
    assert "_cal" not in read.__dict__  # answered from the file alone
    for ours, theirs in ((read._opens, built._opens), (read._closes, built._closes)):
        pd.testing.assert_series_equal(ours, theirs, check_freq=False)
    pd.testing.assert_series_equal(read._early, built._early, check_freq=False)
    xnys = built._cal
    rng = np.random.default_rng(7)
    days = pd.to_datetime(rng.integers(-7300, 21000, 300), unit="D")
    for a, b in zip(days[::2], days[1::2], strict=True):
        first, last = min(a, b), max(a, b)
        assert list(read.sessions(first, last)) == list(xnys.sessions_in_range(first, last))
        assert list(read.holidays(first, last)) == list(built.holidays(first, last))
    for day in days:
        assert read.is_session(day) == bool(xnys.is_session(day))
    for day in xnys.sessions_in_range("2023-01-01", "2024-12-31"):
        assert read.session_close(day) == built.session_close(day)
        assert read.session_open(day) == built.session_open(day)
        assert read.is_early_close(day) == built.is_early_close(day)


def test_minute_questions_build_the_library_calendar_on_first_use(cache: Path) -> None:
    MarketCalendar(START, END)
    read = MarketCalendar(START, END)
    assert read.next_open("2024-07-03 20:00:00+00:00") == pd.Timestamp(
        "2024-07-05 09:30", tz="America/New_York"
    )
    assert "_cal" in read.__dict__


def test_days_outside_the_range_still_raise(cache: Path) -> None:
    MarketCalendar(START, END)
    read = MarketCalendar(START, END)
    with pytest.raises(ValueError, match="1949"):
        read.is_session("1949-06-01")
    with pytest.raises(ValueError):
        read.sessions("2027-06-01", "2029-01-01")


def test_a_fresh_process_reads_the_table_without_importing_exchange_calendars(
    cache: Path,
) -> None:
    MarketCalendar()  # the shared calendar's range, stored
    probe = (
        "import sys; from tradewind.calendar import nyse; c = nyse(); "
        "print(len(c.sessions('2024-01-01', '2024-12-31')), "
        "'exchange_calendars' in sys.modules)"
    )
    env = {**os.environ, schedule_cache.CACHE_ENV: str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.split() == ["252", "False"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"not a numpy file"),
        lambda p: p.write_bytes(p.read_bytes()[:200]),
        lambda p: np.savez(p, sessions=np.arange(3), opens=np.arange(3)),  # a missing array
        lambda p: _rewrite(p, lambda a: {**a, "sessions": a["sessions"][::-1].copy()}),
        lambda p: _rewrite(p, lambda a: {**a, "closes": a["opens"]}),  # closes not after opens
        lambda p: _rewrite(p, lambda a: {**a, "opens": a["opens"].astype(float)}),
    ],
    ids=["garbage", "truncated", "missing-array", "unsorted", "closes", "dtype"],
)
def test_a_damaged_file_is_ignored_and_rewritten(cache: Path, damage: object) -> None:
    reference = MarketCalendar(START, END)
    (path,) = _files(cache)
    damage(path)  # type: ignore[operator]
    assert schedule_cache.load(path) is None
    again = MarketCalendar(START, END)
    pd.testing.assert_series_equal(again._closes, reference._closes, check_freq=False)
    assert "_cal" in again.__dict__  # rebuilt by the library...
    assert schedule_cache.load(path) is not None  # ...and stored again


def _rewrite(path: Path, change: object) -> None:
    with np.load(path) as stored:
        arrays = {k: stored[k] for k in stored.files}
    with path.open("wb") as fh:
        np.savez(fh, **change(arrays))  # type: ignore[operator]


def test_the_key_follows_the_range_and_the_library_not_the_clock(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = schedule_cache.path_for(START, END)
    assert first == schedule_cache.path_for(START, END)
    assert first != schedule_cache.path_for(START, "2028-01-03")
    monkeypatch.setattr(schedule_cache, "_library_stamp", lambda: "exchange_calendars upgraded")
    assert first != schedule_cache.path_for(START, END)


def test_the_library_stamp_names_its_modules() -> None:
    stamp = schedule_cache._library_stamp()
    assert f"pandas {pd.__version__}" in stamp
    assert "exchange_calendar_xnys.py " in stamp


def test_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(schedule_cache.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert schedule_cache.path_for(START, END) is None
    assert MarketCalendar(START, END).is_session("2024-07-05")
    assert list(tmp_path.iterdir()) == []


def test_xdg_cache_home_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(schedule_cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert schedule_cache.cache_dir() == tmp_path / "tradewind"


def test_a_folder_that_cannot_be_written_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv(schedule_cache.CACHE_ENV, str(blocker / "cache"))  # under a file
    assert MarketCalendar(START, END).is_session("2024-07-05")


def test_files_for_other_keys_are_removed_once_stale(cache: Path) -> None:
    cache.mkdir()
    old, recent = cache / "nyse-schedule-old.npz", cache / "nyse-schedule-recent.npz"
    for path in (old, recent):
        path.write_bytes(b"")
    stale = time.time() - schedule_cache.STALE_SECONDS - 60
    os.utime(old, (stale, stale))
    MarketCalendar(START, END)
    names = {p.name for p in _files(cache)}
    assert recent.name in names and old.name not in names and len(names) == 2
    assert not list(cache.glob(".tmp-*"))
