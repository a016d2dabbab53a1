"""What the ML ensemble did in a run, from its events: views used, ignored, or fallen back from.

The target model records an ``ml_views`` event (info) each time it blended views or found none
confident enough, and an ``ml_fallback`` warning each time the ensemble was stale, degraded or
unavailable and the non-ML strategy traded instead (:mod:`tradewind.engine.ml_views`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tradewind.domain.records import EngineEvent


@dataclass(frozen=True)
class MLSummary:
    """Counts of the ensemble's readings over a run (or a week)."""

    used: int
    none_confident: int
    fallbacks: int
    fallback_status: dict[str, int]
    last_fallback: str

    @property
    def readings(self) -> int:
        """Every time the target model asked the ensemble."""
        return self.used + self.none_confident + self.fallbacks

    def as_dict(self) -> dict[str, object]:
        """Plain values, for JSON."""
        return {
            "views_used": self.used,
            "no_confident_view": self.none_confident,
            "fallbacks": self.fallbacks,
            "fallback_status": self.fallback_status,
            "last_fallback": self.last_fallback,
        }


def ml_summary(events: Sequence[EngineEvent]) -> MLSummary | None:
    """The ensemble's summary, or None when the run had no ensemble."""
    mine = [e for e in events if e.kind in ("ml_views", "ml_fallback")]
    if not mine:
        return None
    views = [e for e in mine if e.kind == "ml_views"]
    used = sum(1 for e in views if e.message.startswith("ensemble views used"))
    falls = [e for e in mine if e.kind == "ml_fallback"]
    status = Counter(e.message.removeprefix("ML ensemble ").split(":")[0] for e in falls)
    return MLSummary(
        used=used,
        none_confident=len(views) - used,
        fallbacks=len(falls),
        fallback_status=dict(status),
        last_fallback=falls[-1].message if falls else "",
    )


def describe(summary: MLSummary | None) -> list[str]:
    """Lines for a console summary."""
    if summary is None:
        return []
    lines = [
        f"ML ensemble: views blended in at {summary.used} of {summary.readings} optimizations, "
        f"none confident enough at {summary.none_confident}, fell back to the non-ML strategy "
        f"at {summary.fallbacks}"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in sorted(summary.fallback_status.items())) + ")"
            if summary.fallbacks
            else ""
        )
        + "."
    ]
    if summary.last_fallback:
        lines.append(f"Last fallback: {summary.last_fallback[:300]}")
    return lines


def model_performance(summary: MLSummary | None) -> str:
    """The weekly report's "Model Performance" (the runbook's Good / Fair / Poor)."""
    if summary is None:
        return "n/a (no ML ensemble)"
    if summary.fallbacks:
        kinds = ", ".join(sorted(summary.fallback_status))
        return f"Poor ({kinds}: fell back to the non-ML strategy {summary.fallbacks} time(s))"
    if summary.used:
        return f"Good (healthy; views used {summary.used} time(s))"
    return "Fair (healthy, but no view confident enough to use)"
