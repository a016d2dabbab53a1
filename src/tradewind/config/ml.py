"""The ``ml`` section: the signal ensemble, its training, its registry and its health limits."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tradewind.config.base import Section

ModelName = Literal["ridge", "lgbm", "forest"]
"""The ensemble's members: regularized linear, gradient boosting (LightGBM), random forest."""

MODEL_NAMES: tuple[ModelName, ...] = ("ridge", "lgbm", "forest")


class RidgeParams(Section):
    """The regularized linear model (``ml.ridge``): imputer, scaler, ridge regression."""

    alpha: float = Field(100.0, gt=0, description="L2 penalty (larger: flatter coefficients).")


class LGBMParams(Section):
    """The gradient-boosting model (``ml.lgbm``, LightGBM): kept small on purpose."""

    n_estimators: int = Field(150, ge=10, le=2000)
    learning_rate: float = Field(0.03, gt=0, le=1)
    num_leaves: int = Field(15, ge=2, le=256)
    min_child_samples: int = Field(200, ge=5)
    subsample: float = Field(0.8, gt=0, le=1)
    colsample_bytree: float = Field(0.8, gt=0, le=1)
    reg_lambda: float = Field(1.0, ge=0)


class ForestParams(Section):
    """The random forest (``ml.forest``)."""

    n_estimators: int = Field(60, ge=10, le=1000)
    max_depth: int = Field(6, ge=1, le=32)
    min_samples_leaf: int = Field(100, ge=1)
    max_features: float = Field(0.5, gt=0, le=1)


class HealthSection(Section):
    """When a deployed ensemble counts as degraded (``ml.health``); stale is ``max_age_days``."""

    min_live_dates: int = Field(
        12, ge=1, description="Matured prediction dates needed before live IC can degrade."
    )
    min_live_ic: float = Field(
        0.0, ge=-1, le=1, description="Live IC at or below this (with enough dates): degraded."
    )
    psi_threshold: float = Field(
        0.25, gt=0, description="PSI above this marks a feature (or the predictions) drifted."
    )
    max_drifted_share: float = Field(
        0.5, gt=0, le=1, description="Share of drifted features above which: degraded."
    )
    window_days: int = Field(
        126, ge=5, le=1260, description="Sessions of recent features and predictions compared."
    )


class MLSection(Section):
    """The ML signal ensemble (``ml:``). Off unless ``enabled`` or ``--ensemble``."""

    enabled: bool = Field(False, description="Feed ensemble views to the optimizer.")
    models: tuple[ModelName, ...] = Field(
        MODEL_NAMES, min_length=1, description="Members of the ensemble."
    )
    horizon_days: int = Field(
        21, ge=1, le=252, description="Label: forward return over this many sessions."
    )
    sample_every: int = Field(5, ge=1, le=63, description="Training sample every N sessions.")
    train_years: float = Field(10.0, gt=0, le=40, description="Training window (years).")
    min_train_years: float = Field(
        4.0, gt=0, le=40, description="Less labelled history than this: no model (walk-forward)."
    )
    validation_years: float = Field(
        2.0, gt=0, le=10, description="Last part of the window held out for validation."
    )
    embargo_days: int = Field(
        5, ge=0, le=252, description="Sessions dropped between training and validation labels."
    )
    retrain_every_days: int = Field(
        63, ge=5, le=1260, description="Walk-forward (backtests): retrain every N sessions."
    )
    confidence_threshold: float = Field(
        0.2, ge=0, lt=1, description="Views with a lower confidence are ignored."
    )
    full_confidence_ic: float = Field(
        0.05, gt=0, le=1, description="Validation IC at which the ensemble counts as reliable."
    )
    tau: float = Field(0.05, gt=0, le=1, description="Black-Litterman prior uncertainty scale.")
    max_age_days: int = Field(
        120, ge=1, le=3650, description="Days since a model's training data ended: stale after."
    )
    min_validation_ic: float = Field(
        0.0, ge=-1, le=1, description="A first deployment needs a validation IC above this."
    )
    registry_path: str = Field("models", description="Folder of the model registry.")
    seed: int = Field(7, ge=0, description="Random seed of the tree models.")
    ridge: RidgeParams = Field(default_factory=RidgeParams)
    lgbm: LGBMParams = Field(default_factory=LGBMParams)
    forest: ForestParams = Field(default_factory=ForestParams)
    health: HealthSection = Field(default_factory=HealthSection)

    @model_validator(mode="after")
    def _consistent(self) -> MLSection:
        if len(set(self.models)) != len(self.models):
            raise ValueError(f"ml.models lists a model twice: {list(self.models)}")
        if self.validation_years >= self.train_years:
            raise ValueError(
                f"ml.validation_years ({self.validation_years}) must be below ml.train_years "
                f"({self.train_years}); the rest of the window is what the models learn from"
            )
        if self.min_train_years > self.train_years:
            raise ValueError(
                f"ml.min_train_years ({self.min_train_years}) must not exceed ml.train_years "
                f"({self.train_years})"
            )
        return self
