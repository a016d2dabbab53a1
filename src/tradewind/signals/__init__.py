"""The ML signal ensemble: features, labels, purged splits, models, ensemble views, registry,
health.

Pure logic over arrays and frames (it imports only ``domain``, ``config`` and third-party
libraries); the engine feeds it market data (:mod:`tradewind.engine.ml_views`) and the CLI
trains and deploys through it (``tradewind retrain``).
"""

from tradewind.signals.ensemble import Ensemble, Member, Views
from tradewind.signals.features import FEATURES, FeaturePanel, MarketInputs, build_features
from tradewind.signals.health import ModelHealth, psi
from tradewind.signals.labels import Labels, forward_returns
from tradewind.signals.registry import Registry
from tradewind.signals.splits import Split, holdout, purge, training_window, walk_forward

__all__ = [
    "FEATURES",
    "Ensemble",
    "FeaturePanel",
    "Labels",
    "MarketInputs",
    "Member",
    "ModelHealth",
    "Registry",
    "Split",
    "Views",
    "build_features",
    "forward_returns",
    "holdout",
    "psi",
    "purge",
    "training_window",
    "walk_forward",
]
