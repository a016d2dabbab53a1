"""The runbook's "Lessons Learned (To Be Updated)" as a file the user writes in, one per run.

``lessons.md`` in the run's report folder has a ``### Week K`` heading for every week of the
run. tradewind only ever *adds* to it: a heading when a new week appears, a bullet when the
user records a lesson with ``tradewind report lesson``. Text the user wrote (in an editor or
with the command) is never rewritten or removed, so the file can be edited freely while the
run goes on. Each weekly report shows its week's lessons under "Notes".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from tradewind.reports.weekly import WeekFigures

LESSONS_FILE = "lessons.md"
PLACEHOLDER = "- [Observation/lesson]"
_HEADING = re.compile(r"^### Week (\d+)\b")

_INTRO = """# Lessons Learned ({title})

Document key insights during paper trading: what surprised you, what you changed and why.
tradewind adds a heading for each new week and never rewrites what is written here; add lines
with an editor or with `tradewind report lesson "..." --week K`.
"""


def lessons_path(folder: str | Path) -> Path:
    """Where a run folder keeps its lessons."""
    return Path(folder) / LESSONS_FILE


def ensure_lessons(folder: str | Path, weeks: Sequence[WeekFigures], title: str) -> Path:
    """Create ``lessons.md`` if missing, and append a heading for every week it lacks."""
    path = lessons_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(_INTRO.format(title=title), encoding="utf-8")
    present = _weeks_present(path.read_text(encoding="utf-8"))
    missing = [f for f in weeks if f.week not in present]
    if missing:
        with path.open("a", encoding="utf-8") as fh:
            for f in missing:
                fh.write(f"\n### Week {f.week} (week of {f.start}):\n{PLACEHOLDER}\n")
    return path


def add_lesson(folder: str | Path, week: int, text: str) -> Path:
    """Add ``text`` as a bullet at the end of week ``week``'s section (created if missing).

    Raises
    ------
    ValueError
        ``text`` is empty or ``week`` is not positive.
    """
    text = " ".join(text.split())
    if not text:
        raise ValueError("a lesson needs some text")
    if week < 1:
        raise ValueError(f"week must be 1 or more, was {week}")
    path = lessons_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if not lines:
        lines = _INTRO.format(title="tradewind run").splitlines()
    start = next((i for i, line in enumerate(lines) if _week_of(line) == week), None)
    if start is None:
        lines += ["", f"### Week {week}:", f"- {text}"]
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines)
        )
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1  # after the section's last written line, before its blank lines
        lines.insert(end, f"- {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lessons_for_week(folder: str | Path, week: int) -> list[str]:
    """The bullets written under week ``week`` (the placeholder left out)."""
    return lessons_by_week(folder).get(week, [])


def lessons_by_week(folder: str | Path) -> dict[int, list[str]]:
    """Every week's bullets (the placeholders left out), the file read once: a run folder's
    report writer asks for each of its weeks (hundreds of years' worth of weeks)."""
    path = lessons_path(folder)
    if not path.exists():
        return {}
    out: dict[int, list[str]] = {}
    week: int | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            week = _week_of(line)
            continue
        if week is not None and line.strip() and line.strip() != PLACEHOLDER:
            out.setdefault(week, []).append(line.strip().removeprefix("- ").strip())
    return out


def _week_of(line: str) -> int | None:
    match = _HEADING.match(line)
    return int(match.group(1)) if match else None


def _weeks_present(text: str) -> set[int]:
    return {w for line in text.splitlines() if (w := _week_of(line)) is not None}
