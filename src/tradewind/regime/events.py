"""Regime changes as events the recorder, notifier and dashboard can use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.domain.fmt import pct
from tradewind.domain.plans import Policy
from tradewind.domain.types import Regime
from tradewind.regime.base import RegimeEstimate
from tradewind.regime.policy import effective_policy


@dataclass(frozen=True, slots=True)
class RegimeChange:
    """The regime in force changed at ``ts``.

    Attributes
    ----------
    ts
        Bar-end timestamp (UTC) of the first bar in the new regime.
    previous, current
        Regime before and after (``previous`` is None for the first decision of a run).
    confidence
        The detector's confidence in ``current`` at ``ts``.
    policy
        The policy that applies from ``ts`` on.
    detector
        Name of the detector.
    is_vix_proxy
        True when the decision used the realized-volatility VIX proxy.
    """

    ts: pd.Timestamp
    previous: Regime | None
    current: Regime
    confidence: float
    policy: Policy
    detector: str = ""
    is_vix_proxy: bool = False

    def message(self) -> str:
        """One line for a notification."""
        before = self.previous.value if self.previous is not None else "start"
        proxy = " (VIX proxy)" if self.is_vix_proxy else ""
        p = self.policy
        return (
            f"Regime {before} -> {self.current.value} at {self.ts:%Y-%m-%d %H:%M} UTC, "
            f"confidence {self.confidence:.0%}{proxy}; policy: {p.method}, position cap "
            f"{pct(p.max_position_size)}, invested at most {pct(p.invested_fraction)}"
        )


class RegimeTracker:
    """Turn successive estimates into :class:`RegimeChange` events.

    Parameters
    ----------
    cfg
        Configuration whose policies and limits resolve each regime's policy.
    """

    def __init__(self, cfg: TradewindConfig) -> None:
        self.cfg = cfg
        self.current: Regime | None = None

    def observe(self, estimate: RegimeEstimate) -> RegimeChange | None:
        """The change at ``estimate`` (including the first decision), else None."""
        if estimate.regime == self.current:
            return None
        event = RegimeChange(
            ts=estimate.ts,
            previous=self.current,
            current=estimate.regime,
            confidence=estimate.confidence,
            policy=effective_policy(estimate.regime, self.cfg),
            detector=estimate.detector,
            is_vix_proxy=estimate.is_vix_proxy,
        )
        self.current = estimate.regime
        return event


def regime_changes(
    decisions: pd.DataFrame, cfg: TradewindConfig, detector: str = ""
) -> Iterator[RegimeChange]:
    """The changes in a ``detect_series`` frame, oldest first (warm-up rows are skipped)."""
    previous: Regime | None = None
    rows = decisions.dropna(subset=["regime"])
    for ts, regime_s, conf, proxy in zip(
        rows.index,
        rows["regime"],
        rows["confidence"],
        rows["vix_is_proxy"],
        strict=True,
    ):
        regime = Regime(regime_s)
        if regime != previous:
            yield RegimeChange(
                ts=ts,
                previous=previous,
                current=regime,
                confidence=float(conf),
                policy=effective_policy(regime, cfg),
                detector=detector,
                is_vix_proxy=bool(proxy),
            )
            previous = regime
