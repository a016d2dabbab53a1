"""Train one member as of a date: purged window, fit, validate on the later, unseen part.

A model trained at row ``asof`` learns only from labels known by then (``end <= asof``),
observed within the last ``ml.train_years``. The last ``ml.validation_years`` of those samples
are held out; the fitted part is purged of every sample whose label span comes within
``ml.embargo_days`` of the validation labels (:mod:`tradewind.signals.splits`). The model that
is validated is the model that is stored and deployed (it is not refitted on the validation
part), so the registry's metrics are that model's own out-of-sample scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.config.ml import MLSection, ModelName
from tradewind.domain.errors import DataError
from tradewind.signals.dataset import Dataset
from tradewind.signals.health import reference
from tradewind.signals.meta import ModelMeta
from tradewind.signals.metrics import daily_ic, demean, score
from tradewind.signals.models import Model, fit_model
from tradewind.signals.splits import holdout, training_window

FloatArray = npt.NDArray[np.float64]
ROWS_PER_YEAR = 252


@dataclass(frozen=True)
class Trained:
    """A fitted member with its metadata and its validation samples and predictions."""

    model: Model
    meta: ModelMeta
    validation: Dataset
    validation_pred: FloatArray


def _day(ts: pd.Timestamp) -> str:
    return ts.tz_convert("America/New_York").date().isoformat()


def windows(ml: MLSection, data: Dataset, asof: int) -> tuple[Dataset, Dataset]:
    """The (fit, validation) samples of a model trained at row ``asof``.

    Raises
    ------
    DataError
        Less than ``ml.min_train_years`` of labelled history before ``asof``, or no sample
        left to fit or to validate on.
    """
    window = training_window(data.rows, data.ends, asof, int(ml.train_years * ROWS_PER_YEAR))
    sub = data.take(window)
    when = _day(data.date(asof))
    need = int(ml.min_train_years * ROWS_PER_YEAR)
    if len(sub) == 0 or asof - int(sub.rows.min()) < need:
        raise DataError(
            f"not enough history to train as of {when}: ml.min_train_years "
            f"({ml.min_train_years}) of labelled samples are needed"
        )
    start = asof - ml.horizon_days - int(ml.validation_years * ROWS_PER_YEAR)
    split = holdout(sub.rows, sub.ends, start, ml.embargo_days)
    if len(split.train) == 0 or len(split.test) == 0:
        raise DataError(f"no samples left to fit or validate on as of {when}")
    return sub.take(split.train), sub.take(split.test)


def feature_reference(names: tuple[str, ...], X: FloatArray) -> dict[str, dict[str, list[float]]]:
    """Each feature's deciles and bin shares over ``X`` (the drift check's reference)."""
    return {n: reference(X[:, k]) for k, n in enumerate(names)}


def train(
    name: ModelName,
    ml: MLSection,
    data: Dataset,
    asof: int,
    symbols: tuple[str, ...],
    feature_names: tuple[str, ...],
) -> Trained:
    """Fit member ``name`` as of row ``asof`` of ``data`` and validate it (see module notes)."""
    fit, val = windows(ml, data, asof)
    model = fit_model(name, ml, fit.X, fit.y)
    pred = model.predict(val.X)
    scores = score(pred, val.y, val.rows)
    dates, ics = daily_ic(pred, val.y, val.rows)
    years = pd.DatetimeIndex(data.index[dates]).tz_convert("America/New_York").year
    by_year = pd.Series(ics).groupby(np.asarray(years)).mean()
    params = getattr(ml, name).model_dump(mode="json")
    if name != "ridge":
        params["seed"] = ml.seed
    meta = ModelMeta(
        name=name,
        params=params,
        features=list(feature_names),
        symbols=list(symbols),
        horizon=ml.horizon_days,
        sample_every=ml.sample_every,
        fit_start=_day(data.date(int(fit.rows.min()))),
        fit_end=_day(data.date(int(fit.rows.max()))),
        validation_start=_day(data.date(int(val.rows.min()))),
        validation_end=_day(data.date(int(val.rows.max()))),
        data_end=_day(data.date(asof)),
        n_fit=len(fit),
        n_validation=len(val),
        validation=scores.as_dict(),
        ic_by_year={str(y): float(v) for y, v in by_year.items()},
        feature_reference=feature_reference(feature_names, fit.X),
        prediction_reference=reference(demean(pred, val.rows)),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return Trained(model, meta, val, pred)
