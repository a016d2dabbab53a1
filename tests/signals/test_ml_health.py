"""Model health: stale after the configured age, degraded on bad live IC or drift; a reading
that is not healthy carries no views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlkit import SYMBOLS, market, pipeline, small_ml

from tradewind.signals.ensemble import Ensemble, Member
from tradewind.signals.health import psi, reference
from tradewind.signals.training import train
from tradewind.signals.views import DeployedSchedule, SignalViews

ML = small_ml(models=("ridge",), max_age_days=60)


@pytest.fixture(scope="module")
def deployed():  # type: ignore[no-untyped-def]
    panel, labels, data = pipeline(market(41, planted=True), ML)
    asof = len(panel.index) - 200
    trained = train("ridge", ML, data, asof, SYMBOLS, panel.names)
    ensemble = Ensemble([Member(trained.model, trained.meta)], ML.full_confidence_ic)
    return panel, labels, ensemble, asof


def _views(deployed, ml):  # type: ignore[no-untyped-def]
    panel, labels, ensemble, _ = deployed
    return SignalViews(panel, labels, DeployedSchedule(ensemble), ml)


def test_health_turns_stale_after_the_configured_age(deployed) -> None:  # type: ignore[no-untyped-def]
    panel, _, ensemble, asof = deployed
    views = _views(deployed, ML)
    end = pd.Timestamp(ensemble.members[0].meta.data_end)
    days = pd.DatetimeIndex(panel.index.tz_convert("America/New_York").date)
    age = (days - end).days
    last_fresh = int(np.flatnonzero(age <= 60)[-1])
    first_stale = last_fresh + 1
    fresh = views.at(panel.index[last_fresh])
    stale = views.at(panel.index[first_stale])
    assert fresh.health[0].age_days <= 60 < stale.health[0].age_days
    assert fresh.status == "healthy" and fresh.views is not None
    assert stale.status == "stale" and stale.views is None
    assert "ml.max_age_days 60" in stale.message
    longer = _views(deployed, ML.model_copy(update={"max_age_days": 365}))
    assert longer.at(panel.index[first_stale]).status == "healthy"


def test_a_model_is_never_used_before_its_training_data_ends(deployed) -> None:  # type: ignore[no-untyped-def]
    panel, _, _, asof = deployed
    reading = _views(deployed, ML).at(panel.index[asof - 1])
    assert reading.status == "unavailable" and reading.views is None
    assert "look-ahead" in reading.message
    assert _views(deployed, ML).at(panel.index[asof]).views is not None


def test_bad_live_ic_degrades_the_model(deployed) -> None:  # type: ignore[no-untyped-def]
    panel, labels, ensemble, asof = deployed
    flipped = type(labels)(-labels.values, -labels.raw, labels.horizon)  # the future reversed
    ml = ML.model_copy(update={"max_age_days": 3650})
    views = SignalViews(panel, flipped, DeployedSchedule(ensemble), ml)
    reading = views.at(panel.index[asof + 150])
    health = reading.health[0]
    assert health.live_dates >= ml.health.min_live_dates
    assert health.live_ic is not None and health.live_ic < 0
    assert reading.status == "degraded" and reading.views is None
    assert "live IC" in reading.message
    honest = SignalViews(panel, labels, DeployedSchedule(ensemble), ml).at(panel.index[asof + 150])
    assert honest.health[0].live_ic is not None and honest.health[0].live_ic > 0


def test_psi_is_zero_on_the_reference_and_large_on_a_shifted_population() -> None:
    rng = np.random.default_rng(1)
    ref = reference(rng.normal(size=20_000))
    assert psi(ref, rng.normal(size=20_000)) < 0.01
    assert psi(ref, rng.normal(1.0, 1.0, size=20_000)) > 0.25
    binary = reference(np.r_[np.zeros(800), np.ones(200)])
    assert psi(binary, np.r_[np.zeros(800), np.ones(200)]) < 1e-9
    assert psi(binary, np.ones(500)) > 1.0
