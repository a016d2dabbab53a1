"""The pipeline finds a planted signal (IC well above 0) and finds nothing in pure noise."""

from __future__ import annotations

import numpy as np
import pytest
from mlkit import SYMBOLS, market, pipeline, small_ml

from tradewind.signals.ensemble import Ensemble, Member
from tradewind.signals.metrics import daily_ic, score
from tradewind.signals.training import train


@pytest.fixture(scope="module")
def planted() -> dict[str, object]:
    ml = small_ml()
    panel, labels, data = pipeline(market(11, planted=True), ml)
    asof = len(panel.index) - 1
    return {name: train(name, ml, data, asof, SYMBOLS, panel.names) for name in ml.models} | {
        "ml": ml,
        "panel": panel,
        "labels": labels,
    }


@pytest.mark.parametrize("name", ["ridge", "lgbm", "forest"])
def test_each_model_finds_the_planted_signal(planted: dict[str, object], name: str) -> None:
    trained = planted[name]
    val = trained.meta.validation  # type: ignore[attr-defined]
    assert val["n_dates"] >= 90  # two years of weekly dates, out of sample
    assert val["ic"] > 0.10, val  # a strong, real signal: IC well above 0
    assert val["hit_rate"] > 0.53
    assert val["slope"] > 0  # predictions point the right way


def test_the_ensemble_views_rank_the_future_winners_first(planted: dict[str, object]) -> None:
    ml = planted["ml"]
    members = [Member(planted[n].model, planted[n].meta) for n in ml.models]  # type: ignore[attr-defined]
    ensemble = Ensemble(members, ml.full_confidence_ic)  # type: ignore[attr-defined]
    val = planted["ridge"].validation  # type: ignore[attr-defined]
    panel = planted["panel"]
    rows = np.unique(val.rows)
    excess = np.stack([ensemble.views(panel.at(int(r))).excess for r in rows])  # type: ignore[attr-defined]
    labels = planted["labels"].values[rows]  # type: ignore[attr-defined]
    dates = np.repeat(rows, len(SYMBOLS))
    s = score(excess.ravel(), labels.ravel(), dates)
    assert s.ic > 0.10
    assert ensemble.reliability == 1.0  # validation IC above ml.full_confidence_ic
    views = ensemble.views(panel.at(int(rows[-1])))  # type: ignore[attr-defined]
    assert np.isclose(np.nansum(views.excess), 0.0)  # relative views
    assert ((views.confidence >= 0) & (views.confidence <= 1)).all()


@pytest.mark.parametrize("seed", [21, 22])
def test_pure_noise_gives_an_ic_near_zero(seed: int) -> None:
    ml = small_ml()
    panel, _, data = pipeline(market(seed, planted=False), ml)
    asof = len(panel.index) - 1
    for name in ("ridge", "lgbm", "forest"):
        trained = train(name, ml, data, asof, SYMBOLS, panel.names)
        _, ics = daily_ic(trained.validation_pred, trained.validation.y, trained.validation.rows)
        standard_error = ics.std() / np.sqrt(len(ics))
        # no skill: within three standard errors of 0 (about +-0.07 here), far below 0.10
        assert abs(trained.meta.ic) < 3 * standard_error < 0.10, (name, trained.meta.ic)
