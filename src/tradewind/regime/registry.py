"""Detectors by name, built from the ``regime`` config section.

Adding a detector is one module plus one ``@register_detector`` line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from tradewind.config import RegimeSection
from tradewind.domain.errors import ConfigError
from tradewind.regime.base import BaseDetector

Factory = Callable[[RegimeSection], BaseDetector]
_FACTORIES: dict[str, Factory] = {}


def register_detector(name: str) -> Callable[[Factory], Factory]:
    """Register ``factory`` as the builder of detector ``name``."""

    def add(factory: Factory) -> Factory:
        _FACTORIES[name] = factory
        return factory

    return add


def available_detectors() -> list[str]:
    """Registered detector names."""
    return list(_FACTORIES)


def make_detector(section: RegimeSection, name: str | None = None) -> BaseDetector:
    """A fresh detector named ``name`` (default ``section.detector``) configured by ``section``.

    Raises
    ------
    ConfigError
        The name is not registered.
    """
    key = name or section.detector
    if key not in _FACTORIES:
        raise ConfigError(
            f"regime.detector '{key}' is unknown; allowed: {', '.join(available_detectors())}"
        )
    return _FACTORIES[key](section)


@register_detector("rules")
def _rules(s: RegimeSection) -> BaseDetector:
    from tradewind.regime.rules import RulesDetector

    r = s.rules
    return RulesDetector(
        vix_volatile=r.vix_volatile,
        vix_calm=r.vix_calm,
        vix_bull=r.vix_bull,
        adx_trend=r.adx_trend,
        atr_pct_volatile=r.atr_pct_volatile,
        trend_window=r.trend_window,
        vol_blend=r.vol_blend,
        hysteresis=r.hysteresis,
        trend_band=r.trend_band,
        min_stay_days=s.min_stay_days,
        confirm_days=s.confirm_days,
    )


class _RefitSchedule(TypedDict):
    train_days: int
    min_train_days: int
    refit_days: int
    min_stay_days: int
    confirm_days: int


def _refit_schedule(s: RegimeSection) -> _RefitSchedule:
    """The training window, refit schedule and stabilizer the fitted detectors share."""
    return {
        "train_days": s.train_days,
        "min_train_days": s.min_train_days,
        "refit_days": s.refit_days,
        "min_stay_days": s.min_stay_days,
        "confirm_days": s.confirm_days,
    }


@register_detector("jump")
def _jump(s: RegimeSection) -> BaseDetector:
    from tradewind.regime.jump import JumpDetector

    return JumpDetector(
        penalty=s.jump.penalty,
        n_states=s.jump.n_states,
        features=s.jump.features,
        **_refit_schedule(s),
    )


@register_detector("hmm")
def _hmm(s: RegimeSection) -> BaseDetector:
    from tradewind.regime.hmm import HMMDetector

    schedule = _refit_schedule(s)
    schedule["confirm_days"] = s.hmm.confirm_days
    return HMMDetector(
        vix_bands=s.hmm.vix_bands,
        switch_penalty=s.hmm.switch_penalty,
        **schedule,
    )


@register_detector("baseline")
def _baseline(s: RegimeSection) -> BaseDetector:
    from tradewind.regime.baseline import VolThresholdBaseline

    return VolThresholdBaseline()
