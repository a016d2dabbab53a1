"""The ``regime`` section: which detector runs and what each regime's policy allows."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from tradewind.config.base import Section
from tradewind.config.portfolio import OptimizerName
from tradewind.domain.types import Regime


class RegimePolicy(Section):
    """What the portfolio may do in one regime. ``None`` means the standard limit applies."""

    method: OptimizerName = "max_sharpe"
    max_position_size: float | None = Field(None, gt=0, le=1)
    max_portfolio_risk: float | None = Field(None, gt=0, le=1)
    cash_buffer: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Extra cash on top of the exposure cap's: invested = exposure cap - buffer.",
    )


def default_policies() -> dict[Regime, RegimePolicy]:
    """The runbook's regime-specific adjustments."""
    return {
        Regime.BULL: RegimePolicy(method="max_sharpe"),
        Regime.BEAR: RegimePolicy(method="min_variance", max_position_size=0.20),
        Regime.CHOPPY: RegimePolicy(method="risk_parity"),
        Regime.VOLATILE: RegimePolicy(method="min_variance", cash_buffer=0.15),
    }


def default_exposure() -> dict[Regime, float]:
    """The protective exposure per regime at full confidence (fraction of the policy's).

    Chosen on 1993-2004 by the rule of :mod:`tradewind.backtest.protection_study` and reported
    on 2005-2022 (README, "What the runbook's settings do"); ``make figures`` re-runs the
    choice and a test fails if these defaults no longer match it.
    """
    return {Regime.BULL: 1.0, Regime.CHOPPY: 1.0, Regime.BEAR: 0.25, Regime.VOLATILE: 0.5}


class ProtectionSettings(Section):
    """The protective policy: the invested fraction follows the regime and its confidence.

    In regime ``R`` read with confidence ``c`` the portfolio invests
    ``scale x (max_portfolio_risk - cash_buffer)`` of the regime's policy, where
    ``scale = 1 - min(1, c / full_confidence) x (1 - exposure[R])``: the regime's exposure in
    full once the detector is at least ``full_confidence`` sure, less of the cut below it.
    """

    enabled: bool = Field(True, description="Scale the invested fraction by the regime.")
    exposure: dict[Regime, float] = Field(
        default_factory=default_exposure,
        description="Fraction of the policy's invested limit kept in each regime, in [0, 1].",
    )
    full_confidence: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Confidence from which the regime's exposure applies in full.",
    )

    @field_validator("exposure")
    @classmethod
    def _fractions(cls, exposure: dict[Regime, float]) -> dict[Regime, float]:
        bad = {r.value: v for r, v in exposure.items() if not 0.0 <= v <= 1.0}
        if bad:
            raise ValueError(f"every exposure must be in [0, 1], was {bad}")
        merged = default_exposure()
        merged.update(exposure)
        return merged


class RulesThresholds(Section):
    """Thresholds of the transparent ``rules`` detector."""

    vix_volatile: float = Field(30.0, gt=0, description="VIX at or above this is VOLATILE.")
    vix_calm: float = Field(20.0, gt=0, description="VIX below this allows BULL.")
    adx_trend: float = Field(20.0, ge=0, le=100, description="ADX above this means trending.")
    trend_window: int = Field(200, ge=10, le=500, description="Moving average days for trend.")
    atr_pct_volatile: float = Field(0.03, gt=0, lt=1, description="ATR% at or above: VOLATILE.")
    vix_bull: float = Field(16.0, gt=0, description="VIX gauge below this is BULL unless falling.")
    vol_blend: float = Field(
        0.5, ge=0, le=1, description="Weight of realized vol (VIX scale) in the VIX gauge."
    )
    hysteresis: float = Field(
        0.1, ge=0, lt=1, description="Relative band that favours staying in the current regime."
    )
    trend_band: float = Field(
        0.01, ge=0, lt=1, description="Band around the moving average for a direction change."
    )


class JumpSettings(Section):
    """The ``jump`` detector (statistical jump model)."""

    penalty: float = Field(20.0, gt=0, description="Jump penalty; larger: fewer switches.")
    n_states: int = Field(4, ge=2, le=8)
    features: tuple[str, ...] = ("log_vix", "log_dd_10", "ewm_ret_21")


class HMMSettings(Section):
    """The ``hmm`` detector (Gaussian HMM anchored to VIX bands, filtered probabilities)."""

    vix_bands: tuple[float, float, float] = Field(
        (16.0, 23.5, 32.5),
        description="VIX edges between the BULL, CHOPPY, BEAR and VOLATILE states' bands.",
    )
    switch_penalty: float = Field(
        6.0, ge=0, description="Cost of a regime switch in the decision; larger: fewer switches."
    )
    confirm_days: int = Field(
        1,
        ge=1,
        le=60,
        description="Days a new regime must persist (replaces regime.confirm_days for the hmm: "
        "the switch penalty already asks for lasting evidence).",
    )

    @field_validator("vix_bands")
    @classmethod
    def _increasing(cls, bands: tuple[float, float, float]) -> tuple[float, float, float]:
        if not 0 < bands[0] < bands[1] < bands[2]:
            raise ValueError(f"vix_bands must be three increasing positive levels, was {bands}")
        return bands


class RegimeSection(Section):
    """Regime detection and policies (``regime:``).

    The market index the regime is detected on is ``data.benchmark`` (the one setting that
    names it, for the detector, the benchmark comparison and ``regime evaluate`` alike).
    """

    detector: Literal["rules", "jump", "hmm"] = "hmm"
    min_stay_days: int = Field(5, ge=0, le=250, description="Minimum days before switching again.")
    refit_days: int = Field(
        63, ge=1, le=2520, description="Refit the fitted detectors (hmm, jump) every N days."
    )
    confirm_days: int = Field(2, ge=1, le=60, description="Days a new regime must persist.")
    train_days: int = Field(2520, ge=100, le=20000, description="Trailing fit window (days).")
    min_train_days: int = Field(504, ge=50, le=20000, description="Least history to fit on.")
    rules: RulesThresholds = Field(default_factory=RulesThresholds)
    jump: JumpSettings = Field(default_factory=JumpSettings)
    hmm: HMMSettings = Field(default_factory=HMMSettings)
    policies: dict[Regime, RegimePolicy] = Field(default_factory=default_policies)
    protection: ProtectionSettings = Field(default_factory=ProtectionSettings)

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        if isinstance(data, dict) and "index" in data:
            raise ValueError(
                "regime.index was replaced by data.benchmark: one setting names the market "
                "index that the regime is detected on and the runs are compared with; write "
                f"benchmark: {data['index']} under data: and remove regime.index"
            )
        return data

    @field_validator("policies")
    @classmethod
    def _all_regimes(cls, policies: dict[Regime, RegimePolicy]) -> dict[Regime, RegimePolicy]:
        merged = default_policies()
        merged.update(policies)
        return merged
