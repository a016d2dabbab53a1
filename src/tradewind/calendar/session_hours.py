"""Is the NYSE open now, and until when: answered from a small file, without pandas or numpy.

``tradewind status`` starts in a fraction of a second (it imports no frames), so it cannot build
the exchange calendar. Whenever a process builds or loads the calendar
(:class:`~tradewind.calendar.market_calendar.MarketCalendar`), it writes the coming sessions'
opens and closes here (:func:`write_hours`), as epoch seconds in a JSON file beside the calendar's
own cache (:mod:`tradewind.calendar.cache_folder`). :func:`market_now` reads it with the standard
library. A file that is missing, unreadable, fails its checks, or does not reach ``now`` gives
None: the caller then asks the calendar itself.

Hand-written (no library reads a session table without pandas); the table's contents come from
``exchange_calendars``, through the calendar.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tradewind.calendar.cache_folder import cache_dir, write_atomically

log = logging.getLogger(__name__)

HOURS_FILE = "nyse-hours.json"
"""The file's name in the cache folder."""
FORMAT = 1
"""Bumped whenever the file's layout changes, so an old file is never misread."""
BEHIND = timedelta(days=7)
"""How far before the writing day the table starts (a session still open, last week's close)."""
AHEAD = timedelta(days=400)
"""How far after the writing day the table reaches: over a year of sessions."""
REFRESH_BEFORE = timedelta(days=60)
"""A table whose last session is closer than this to today is written again."""


@dataclass(frozen=True)
class MarketNow:
    """The NYSE at one instant: open (until ``closes``) or closed (until ``opens``), in UTC."""

    at: datetime
    is_open: bool
    opens: datetime
    """The current session's open when open; the next session's open when closed."""
    closes: datetime
    """The current session's close when open; the next session's close when closed."""


def hours_path() -> Path | None:
    """Where the table is kept, or None when the cache is off."""
    folder = cache_dir()
    return None if folder is None else folder / HOURS_FILE


def _read(path: Path) -> list[tuple[int, int]] | None:
    """The (open, close) epoch-second pairs stored at ``path``, checked; None if unusable."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.debug("ignoring the market hours file %s: %s", path, exc)
        return None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        return None
    raw = stored.get("sessions")
    if not isinstance(raw, list) or not raw:
        return None
    pairs: list[tuple[int, int]] = []
    for item in raw:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in item)
            or not item[0] < item[1] < item[0] + 86_400
            or (pairs and item[0] <= pairs[-1][1])
        ):
            log.debug("ignoring the market hours file %s: its sessions fail the checks", path)
            return None
        pairs.append((item[0], item[1]))
    return pairs


def market_now(now: datetime | None = None, path: Path | None = None) -> MarketNow | None:
    """The NYSE at ``now`` (default: the wall clock), from the stored table; None when the table
    is missing, fails its checks or does not cover ``now`` and the next session."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    path = path if path is not None else hours_path()
    pairs = _read(path) if path is not None and path.is_file() else None
    if not pairs or at.timestamp() < pairs[0][0]:
        return None
    t = at.timestamp()
    for start, end in pairs:
        if t < end:
            opens = datetime.fromtimestamp(start, UTC)
            return MarketNow(at, start <= t, opens, datetime.fromtimestamp(end, UTC))
    return None


def needs_writing(today: datetime, path: Path | None = None) -> bool:
    """Whether the table is missing, unusable or ends within :data:`REFRESH_BEFORE` of
    ``today``."""
    path = path if path is not None else hours_path()
    if path is None:
        return False
    pairs = _read(path) if path.is_file() else None
    if not pairs:
        return True
    first, last = pairs[0][0], pairs[-1][1]
    t = today.astimezone(UTC).timestamp()
    return not first <= t or last - t < REFRESH_BEFORE.total_seconds()


def write_hours(sessions: Sequence[tuple[int, int]], path: Path | None = None) -> None:
    """Store the (open, close) epoch-second pairs at ``path`` (atomically); a folder that cannot
    be written is left alone (the status then asks the calendar)."""
    path = path if path is not None else hours_path()
    if path is None:
        return
    body = json.dumps({"format": FORMAT, "sessions": [[int(a), int(b)] for a, b in sessions]})
    write_atomically(path, lambda fh: fh.write(body.encode()))


def describe(m: MarketNow, zone: str = "America/New_York") -> str:
    """One line: ``NYSE open, closes 16:00 ET (in 2h 05m)`` or ``NYSE closed, opens Mon
    2026-12-07 09:30 ET (in 14h 30m)``."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    if m.is_open:
        until = m.closes
        when = f"closes {until.astimezone(tz):%H:%M} ET"
        head = "NYSE open"
    else:
        until = m.opens
        when = f"opens {until.astimezone(tz):%a %Y-%m-%d %H:%M} ET"
        head = "NYSE closed"
    left = max(0, int((until - m.at).total_seconds()) // 60)
    days, rest = divmod(left, 24 * 60)
    span = (f"{days}d " if days else "") + f"{rest // 60}h {rest % 60:02d}m"
    return f"{head}, {when} (in {span})"
