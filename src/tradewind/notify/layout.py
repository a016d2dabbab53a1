"""How a burst of notices becomes one digest message: sections by category, repeats counted.

A burst (fifty fills of a rebalance, a handful of warnings) is shown as one section per
category (``✅ 50 fills``), worst severity first, each notice on one line; identical lines are
shown once with a count (``(×3)``). A section longer than the channel allows is continued in
another section of the same heading.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tradewind.notify.notice import Notice, severity_rank

LABELS: dict[str, tuple[str, str]] = {
    "halt": ("🛑", "halt alerts"),
    "error": ("❗", "errors"),
    "risk": ("⚠️", "risk alerts"),
    "regime": ("🧭", "regime changes"),
    "rebalancing": ("🔄", "rebalance updates"),
    "trades": ("✅", "fills"),
    "daily": ("📊", "daily summaries"),
    "service": ("▶️", "service updates"),
    "test": ("🔔", "test messages"),
    "other": ("", "other updates"),
}


@dataclass(frozen=True, slots=True)
class Section:
    """One category of a digest: its heading, its lines and the severities they carry."""

    category: str
    label: str
    """How many of what (``50 fills``)."""
    heading: str
    lines: tuple[str, ...]
    severities: tuple[str, ...]


def sections(notices: Sequence[Notice], max_chars: float) -> list[Section]:
    """The digest of ``notices``: sections of at most ``max_chars`` characters of lines."""
    groups: dict[str, list[Notice]] = {}
    for n in notices:
        groups.setdefault(n.category, []).append(n)
    order = sorted(
        groups, key=lambda c: -max(severity_rank(n.severity) for n in groups[c])
    )  # stable: equal severities keep their first appearance
    out: list[Section] = []
    for category in order:
        members = groups[category]
        icon, label = LABELS.get(category, LABELS["other"])
        count_label = f"{len(members)} {label}"
        heading = f"{icon} {count_label}" if icon else count_label
        severities = tuple(n.severity for n in members)
        chunk: list[str] = []
        size = 0
        for line in _counted(members):
            if chunk and size + len(line) + 3 > max_chars:
                out.append(Section(category, count_label, heading, tuple(chunk), severities))
                chunk, size = [], 0
                heading = (
                    f"{heading} (continued)" if not heading.endswith("(continued)") else heading
                )
            chunk.append(line)
            size += len(line) + 3
        out.append(Section(category, count_label, heading, tuple(chunk), severities))
    return out


def largest_fit(count: int, fits: Callable[[int], bool], cap: int) -> int:
    """The largest ``k`` in ``[1, min(count, cap)]`` with ``fits(k)`` (1 if none): a binary
    search, since a longer prefix of notices never renders shorter."""
    lo, hi = 1, max(1, min(count, cap))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _counted(notices: Sequence[Notice]) -> list[str]:
    """One line per distinct notice line, in first-seen order, repeats counted."""
    counts: dict[str, int] = {}
    for n in notices:
        line = n.one_line
        counts[line] = counts.get(line, 0) + 1
    return [f"{line} (×{k})" if k > 1 else line for line, k in counts.items()]
