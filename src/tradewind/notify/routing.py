"""Which channels a notice goes to: each channel's ``notify_*`` switches, halts and errors always.

Rules (a disabled channel gets nothing):

1. A critical or error notice, and every notice of the ``halt``, ``error`` and ``test``
   categories, goes to every enabled channel: there is no switch for them.
2. ``trades``, ``rebalancing``, ``regime``, ``risk``, ``service`` and ``daily`` follow
   ``notify_trades``, ``notify_rebalancing``, ``notify_regime_changes``, ``notify_risk``,
   ``notify_service`` and ``notify_daily_summary``.
3. Anything else goes out from warning up; debug never does.
"""

from __future__ import annotations

from collections.abc import Iterable

from tradewind.config.notifications import ChannelSection, NotificationsSection
from tradewind.notify.notice import Notice, severity_rank

SWITCHES: dict[str, str] = {
    "trades": "notify_trades",
    "rebalancing": "notify_rebalancing",
    "regime": "notify_regime_changes",
    "risk": "notify_risk",
    "service": "notify_service",
    "daily": "notify_daily_summary",
}
ALWAYS = ("halt", "error", "test")


def wants(section: ChannelSection, notice: Notice) -> bool:
    """Whether a channel configured by ``section`` sends ``notice`` (module docstring)."""
    if not section.enabled or notice.severity == "debug":
        return False
    if severity_rank(notice.severity) >= severity_rank("error") or notice.category in ALWAYS:
        return True  # rule 1
    switch = SWITCHES.get(notice.category)
    if switch is not None:
        return bool(getattr(section, switch))  # rule 2
    return severity_rank(notice.severity) >= severity_rank("warning")  # rule 3


def channel_sections(n: NotificationsSection) -> dict[str, ChannelSection]:
    """Every channel's section by channel name."""
    return {"discord": n.discord, "telegram": n.telegram}


def route(notice: Notice, channels: Iterable[str], n: NotificationsSection) -> list[str]:
    """The channels among ``channels`` that send ``notice``."""
    sections = channel_sections(n)
    return [c for c in channels if c in sections and wants(sections[c], notice)]
