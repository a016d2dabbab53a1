"""A live first start (``service.live_start``): no gap lets it through with the paper phase in
the banner; a gap refuses it, naming what failed, the fix and the flag; the flag lets it
through with what it accepted, for the event."""

from __future__ import annotations

import pytest

from tradewind.service.live_start import (
    PaperGap,
    PaperPhase,
    PaperPhaseRefused,
    first_live_start,
)

SUMMARY = ("paper phase: run 3 'paper' (paper, wall clock), ...: NOT READY",)
GAPS = (
    PaperGap("the paper run is NOT READY: x", "keep paper trading"),
    PaperGap("a.b: 1 (paper) -> 2 (live) differs from the paper run", "set a.b: 1"),
)


def test_no_gap_starts_with_the_summary_and_accepts_nothing() -> None:
    start = first_live_start(PaperPhase(SUMMARY), accept_gaps=True)

    assert start.banner == SUMMARY and start.accepted is None


def test_a_gap_refuses_with_what_failed_its_fix_and_the_flag() -> None:
    with pytest.raises(PaperPhaseRefused) as refused:
        first_live_start(PaperPhase(SUMMARY, GAPS), accept_gaps=False)

    assert str(refused.value) == (
        "live trading refused; nothing was started:\n"
        "  - the paper run is NOT READY: x; keep paper trading\n"
        "  - a.b: 1 (paper) -> 2 (live) differs from the paper run; set a.b: 1\n"
        "  To go live with these gaps anyway, your own decision: add --accept-paper-gaps "
        "(recorded as a paper_gaps_accepted event)."
    )
    assert refused.value.gaps == GAPS


def test_the_flag_starts_with_every_gap_accepted_and_said() -> None:
    start = first_live_start(PaperPhase(SUMMARY, GAPS), accept_gaps=True)

    both = "the paper run is NOT READY: x; a.b: 1 (paper) -> 2 (live) differs from the paper run"
    assert start.banner == (*SUMMARY, f"ACCEPTED with --accept-paper-gaps: {both}")
    assert start.accepted == f"live run started with --accept-paper-gaps: {both}"
