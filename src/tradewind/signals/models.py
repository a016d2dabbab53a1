"""The ensemble's three members, each fitted on (features, forward excess return) samples.

* ``ridge``: standardized features into a ridge regression (scikit-learn), the regularized
  linear model;
* ``lgbm``: LightGBM gradient-boosted trees, small (about 150 trees of 15 leaves);
* ``forest``: a scikit-learn random forest of shallow trees.

Each is wrapped in :class:`Model` so that the ensemble and the registry see one interface:
``predict(X)`` and a way to write and read the fitted model in a safe format
(:mod:`tradewind.signals.registry`). The LightGBM member predicts with its ``Booster`` both
after fitting and after loading, so a reloaded model predicts exactly what the fitted one did.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from tradewind.config.ml import MLSection, ModelName

FloatArray = npt.NDArray[np.float64]

SKOPS_FILE = "model.skops"
LGBM_FILE = "model.txt"


class Model(Protocol):
    """A fitted member: predictions, and its artifact on disk."""

    name: ModelName
    artifact: str
    """File name of the artifact inside a version folder."""

    def predict(self, X: FloatArray) -> FloatArray:
        """Predicted forward excess returns, one per row of ``X``."""
        ...

    def save(self, folder: Path) -> Path:
        """Write the artifact into ``folder``; return its path."""
        ...


@dataclass
class SklearnModel:
    """A scikit-learn estimator (ridge pipeline, random forest), stored with skops."""

    name: ModelName
    estimator: Any
    artifact: str = SKOPS_FILE

    def predict(self, X: FloatArray) -> FloatArray:
        """Predictions of the estimator."""
        return np.asarray(self.estimator.predict(X), dtype=float)

    def save(self, folder: Path) -> Path:
        """skops' zip of the estimator's state (no pickle, no code)."""
        import skops.io as sio

        path = folder / self.artifact
        sio.dump(self.estimator, path)
        return path


@dataclass
class LightGBMModel:
    """A LightGBM booster, stored in LightGBM's own text model format."""

    name: ModelName
    booster: Any
    artifact: str = LGBM_FILE

    def predict(self, X: FloatArray) -> FloatArray:
        """Predictions of the booster (all trees)."""
        return np.asarray(self.booster.predict(X), dtype=float)

    def save(self, folder: Path) -> Path:
        """The booster as LightGBM's text model (trees and parameters, readable)."""
        path = folder / self.artifact
        path.write_text(self.booster.model_to_string(), encoding="utf-8")
        return path


def fit_model(name: ModelName, ml: MLSection, X: FloatArray, y: FloatArray) -> Model:
    """Fit member ``name`` with the parameters of ``ml`` on ``X`` (rows x features) and ``y``.

    Raises
    ------
    ValueError
        If there are no samples, or ``name`` is not a member.
    """
    if len(X) == 0:
        raise ValueError(f"no training samples for model {name!r}")
    if name == "ridge":
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        pipe = Pipeline([("scale", StandardScaler()), ("ridge", Ridge(alpha=ml.ridge.alpha))])
        return SklearnModel(name, pipe.fit(X, y))
    if name == "forest":
        from sklearn.ensemble import RandomForestRegressor

        p = ml.forest
        forest = RandomForestRegressor(
            n_estimators=p.n_estimators,
            max_depth=p.max_depth,
            min_samples_leaf=p.min_samples_leaf,
            max_features=p.max_features,
            random_state=ml.seed,
            n_jobs=1,
        )
        return SklearnModel(name, forest.fit(X, y))
    if name == "lgbm":
        import lightgbm as lgb

        q = ml.lgbm
        reg = lgb.LGBMRegressor(
            n_estimators=q.n_estimators,
            learning_rate=q.learning_rate,
            num_leaves=q.num_leaves,
            min_child_samples=q.min_child_samples,
            subsample=q.subsample,
            subsample_freq=1,
            colsample_bytree=q.colsample_bytree,
            reg_lambda=q.reg_lambda,
            random_state=ml.seed,
            n_jobs=1,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
        reg.fit(X, y)
        return LightGBMModel(name, reg.booster_)
    raise ValueError(f"unknown model {name!r}; known: ridge, lgbm, forest")


SKOPS_TRUSTED = frozenset({"sklearn.tree._tree.Tree"})
"""Types skops may rebuild beyond its defaults: a forest's trees. Anything else is refused."""


def load_model(name: ModelName, folder: Path) -> Model:
    """Read member ``name``'s artifact from ``folder``.

    Raises
    ------
    ValueError
        If the skops file holds a type outside :data:`SKOPS_TRUSTED` and skops' defaults.
    """
    if name == "lgbm":
        import lightgbm as lgb

        text = (folder / LGBM_FILE).read_text(encoding="utf-8")
        return LightGBMModel(name, lgb.Booster(model_str=text))
    import skops.io as sio

    data = (folder / SKOPS_FILE).read_bytes()
    untrusted = set(sio.get_untrusted_types(data=data))
    unexpected = sorted(untrusted - SKOPS_TRUSTED)
    if unexpected:
        raise ValueError(
            f"{folder / SKOPS_FILE} holds types tradewind does not load: {unexpected}; "
            "retrain the model (tradewind retrain --models " + name + ")"
        )
    return SklearnModel(name, sio.load(io.BytesIO(data), trusted=sorted(untrusted)))
