"""One decision per stored cycle: what the store keeps when a cycle decided several times.

When risk exits and a rebalance both happen in one cycle, the store keeps one decision: reasons,
orders and notes in order; targets, method and fallback of the last decision that had them. The
trading service (:mod:`tradewind.service.store_recorder`) and the backtest archive
(:mod:`tradewind.review.archive`) both record cycles so; this module needs no SQLAlchemy, so the
archive's stdlib SQLite path does not load it.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradewind.domain.records import Decision


def merge_decisions(decisions: Sequence[Decision]) -> Decision | None:
    """One decision for a cycle (see the module docstring); None for none."""
    if not decisions:
        return None
    if len(decisions) == 1:
        return decisions[0]
    first, last = decisions[0], decisions[-1]
    reasons: list[str] = []
    for d in decisions:
        reasons.extend(r for r in d.reasons if r not in reasons)
    targets = next((d.targets for d in reversed(decisions) if d.targets), ())
    fallback = next((d.fallback_reason for d in reversed(decisions) if d.fallback_reason), None)
    return Decision(
        ts=first.ts,
        regime=last.regime,
        confidence=last.confidence,
        method=last.method,
        reasons=tuple(reasons),
        targets=targets,
        orders=tuple(o for d in decisions for o in d.orders),
        equity=last.equity,
        equity_before=first.equity_before,
        fallback_reason=fallback,
        notes=tuple(n for d in decisions for n in d.notes),
    )
