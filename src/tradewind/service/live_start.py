"""A live run's first start shows the paper phase and refuses its gaps unless the person accepts
them (the runbook's Phase 22.3, "Prerequisites for Live Trading" and "Same Configuration").

At the first start of a live run (never on a restart: a run already started is continued after a
crash whatever its paper phase), before the run is created and before any broker call:

1. the paper phase is looked up (a :data:`PaperPhaseCheck`, composed by the command line: the
   latest paper run, its ``tradewind readiness --phase paper`` verdict, and the strategy settings
   the live configuration changes from it; :mod:`tradewind.review.paper_phase`);
2. its summary goes into the start-up banner;
3. any gap (no paper run, a verdict other than READY, a differing setting) refuses the start
   with what failed and its fix, unless :data:`ACCEPT_FLAG` was given: then the start goes on and
   a ``paper_gaps_accepted`` event records what was accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tradewind.config import TradewindConfig
from tradewind.service.live_safety import LiveTradingRefused

ACCEPT_FLAG = "--accept-paper-gaps"
"""The command-line flag by which a person starts live despite the paper phase's gaps."""

ACCEPTED_EVENT = "paper_gaps_accepted"
"""The event kind recording the gaps a live start accepted."""


@dataclass(frozen=True)
class PaperGap:
    """One way the paper phase falls short of going live: what, and how to close it."""

    what: str
    fix: str


@dataclass(frozen=True)
class PaperPhase:
    """What the paper phase shows for a live start.

    Attributes
    ----------
    summary
        Lines for the start-up banner (the paper run, its verdict, the settings compared).
    gaps
        What stands between the paper phase and live trading (empty: nothing).
    """

    summary: tuple[str, ...]
    gaps: tuple[PaperGap, ...] = ()


PaperPhaseCheck = Callable[[TradewindConfig], PaperPhase]
"""Looks up the paper phase for a live configuration."""


class PaperPhaseRefused(LiveTradingRefused):
    """A live run's first start refused for the paper phase's gaps (see the module docstring)."""

    def __init__(self, gaps: tuple[PaperGap, ...]) -> None:
        super().__init__(
            [f"{g.what}; {g.fix}" for g in gaps],
            f"To go live with these gaps anyway, your own decision: add {ACCEPT_FLAG} "
            f"(recorded as a {ACCEPTED_EVENT} event).",
        )
        self.gaps = gaps


@dataclass(frozen=True)
class FirstStart:
    """A live first start the paper phase let through.

    Attributes
    ----------
    banner
        The paper phase's lines for the banner.
    accepted
        What :data:`ACCEPT_FLAG` accepted, for the event (None: nothing needed accepting).
    """

    banner: tuple[str, ...]
    accepted: str | None


def first_live_start(phase: PaperPhase, *, accept_gaps: bool) -> FirstStart:
    """Let a live first start through with ``phase`` in its banner.

    Raises
    ------
    PaperPhaseRefused
        ``phase`` has gaps and ``accept_gaps`` (:data:`ACCEPT_FLAG`) was not given.
    """
    if not phase.gaps:
        return FirstStart(phase.summary, None)
    if not accept_gaps:
        raise PaperPhaseRefused(phase.gaps)
    accepted = "; ".join(g.what for g in phase.gaps)
    line = f"ACCEPTED with {ACCEPT_FLAG}: {accepted}"
    return FirstStart((*phase.summary, line), f"live run started with {ACCEPT_FLAG}: {accepted}")
