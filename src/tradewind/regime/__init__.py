"""Regime detection and regime policies.

The engine builds a detector from config and feeds it the benchmark index up to ``t``::

    detector = make_detector(cfg.regime)
    estimate = detector.update(bars, vix, close_only=True)   # RegimeEstimate at the last bar
    policy = effective_policy(estimate.regime, cfg)          # method, caps, cash buffer
    change = tracker.observe(estimate)                       # RegimeChange | None

Backtests use :meth:`BaseDetector.detect_series`, identical bar by bar to ``update``.
"""

from tradewind.regime.base import (
    REGIMES,
    BaseDetector,
    RawDecision,
    RegimeDetector,
    RegimeEstimate,
    RegimeWarmupError,
    Stabilizer,
)
from tradewind.regime.events import RegimeChange, RegimeTracker, regime_changes
from tradewind.regime.features import FeatureSpec, compute_features
from tradewind.regime.policy import effective_policy, policy_table
from tradewind.regime.protective import exposure_scale, protective_policy
from tradewind.regime.registry import available_detectors, make_detector, register_detector
from tradewind.regime.vix import align_vix, vix_proxy

__all__ = [
    "REGIMES",
    "BaseDetector",
    "FeatureSpec",
    "RawDecision",
    "RegimeChange",
    "RegimeDetector",
    "RegimeEstimate",
    "RegimeTracker",
    "RegimeWarmupError",
    "Stabilizer",
    "align_vix",
    "available_detectors",
    "compute_features",
    "effective_policy",
    "exposure_scale",
    "make_detector",
    "policy_table",
    "protective_policy",
    "regime_changes",
    "register_detector",
    "vix_proxy",
]
