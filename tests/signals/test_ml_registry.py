"""The registry stores safe, checked artifacts; the gate deploys only a better model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mlkit import SYMBOLS, market, pipeline, small_ml

from tradewind.domain.errors import ConfigError, DataError
from tradewind.signals.gate import decide
from tradewind.signals.registry import Registry
from tradewind.signals.retrain import retrain
from tradewind.signals.training import train

ML = small_ml(models=("ridge", "lgbm"))


@pytest.fixture(scope="module")
def signal_data():  # type: ignore[no-untyped-def]
    return pipeline(market(31, planted=True), ML)


@pytest.fixture(scope="module")
def noise_data():  # type: ignore[no-untyped-def]
    return pipeline(market(32, planted=False), ML)


@pytest.mark.parametrize("name", ["ridge", "lgbm", "forest"])
def test_a_stored_model_loads_back_predicting_exactly_the_same(
    tmp_path: Path,
    signal_data,
    name: str,  # type: ignore[no-untyped-def]
) -> None:
    panel, _, data = signal_data
    asof = len(panel.index) - 1
    trained = train(name, small_ml(), data, asof, SYMBOLS, panel.names)
    registry = Registry(tmp_path / "models")
    meta = registry.save(trained)
    member = registry.load(name, meta.version)
    np.testing.assert_array_equal(member.model.predict(data.X), trained.model.predict(data.X))
    stored = json.loads((tmp_path / "models" / name / meta.version / "meta.json").read_text())
    assert stored["validation"]["ic"] == trained.meta.ic
    assert stored["data_end"] == meta.data_end and stored["features"] == list(panel.names)
    assert stored["code"]["tradewind"] and len(stored["code"]["signals_source_sha256"]) == 16
    assert stored["artifact"] == ("model.txt" if name == "lgbm" else "model.skops")
    raw = (tmp_path / "models" / name / meta.version / stored["artifact"]).read_bytes()
    assert not raw.startswith(b"\x80")  # never a pickle stream
    if name != "lgbm":
        import skops.io as sio

        assert raw.startswith(b"PK")  # skops: a zip of JSON and arrays
        assert set(sio.get_untrusted_types(data=raw)) <= {"sklearn.tree._tree.Tree"}


def test_an_altered_artifact_is_refused(tmp_path: Path, signal_data) -> None:  # type: ignore[no-untyped-def]
    panel, _, data = signal_data
    registry = Registry(tmp_path)
    meta = registry.save(train("lgbm", ML, data, len(panel.index) - 1, SYMBOLS, panel.names))
    path = tmp_path / "lgbm" / meta.version / "model.txt"
    path.write_text(path.read_text().replace("learning_rate", "learning_rate "), "utf-8")
    with pytest.raises(DataError, match="does not match the SHA-256"):
        registry.load("lgbm", meta.version)


def test_retrain_without_deploy_changes_nothing_live(tmp_path: Path, signal_data) -> None:  # type: ignore[no-untyped-def]
    panel, _, data = signal_data
    registry = Registry(tmp_path)
    asof = len(panel.index) - 300
    first = retrain(ML.models, ML, registry, panel, data, asof, deploy=True, force=False)
    assert all(o.deployed for o in first)
    active = (tmp_path / "active.json").read_bytes()
    log = (tmp_path / "deployments.jsonl").read_bytes()
    again = retrain(
        ML.models, ML, registry, panel, data, len(panel.index) - 1, deploy=False, force=False
    )
    assert [o.deployed for o in again] == [False, False]
    assert (tmp_path / "active.json").read_bytes() == active  # what trades is unchanged
    assert (tmp_path / "deployments.jsonl").read_bytes() == log
    assert registry.versions("ridge") == ["0001", "0002"]  # the candidate is kept to inspect


def test_deploy_refuses_a_worse_model(tmp_path: Path, signal_data, noise_data) -> None:  # type: ignore[no-untyped-def]
    panel, _, data = signal_data
    registry = Registry(tmp_path)
    retrain(("ridge",), ML, registry, panel, data, len(panel.index) - 400, deploy=True, force=False)
    assert registry.active() == {"ridge": "0001"}
    # a candidate that learned from shuffled labels (its validation labels are the real ones)
    asof = len(panel.index) - 1
    start = asof - ML.horizon_days - int(ML.validation_years * 252)
    rng = np.random.default_rng(0)
    y = data.y.copy()
    fit_part = data.rows < start
    y[fit_part] = rng.permutation(y[fit_part])
    shuffled = type(data)(data.X, y, data.rows, data.ends, data.symbols, data.index)
    out = retrain(
        ("ridge",), ML, registry, panel, shuffled, len(panel.index) - 1, deploy=True, force=False
    )
    assert not out[0].deployed and not out[0].decision.deploy
    assert "does not beat" in out[0].decision.reason
    assert "both scored on the candidate's validation period" in out[0].decision.reason
    assert out[0].decision.active_ic is not None and out[0].decision.active_ic > 0.05
    assert registry.active() == {"ridge": "0001"}
    forced = retrain(
        ("ridge",), ML, registry, panel, shuffled, len(panel.index) - 1, deploy=True, force=True
    )
    assert forced[0].deployed and forced[0].decision.reason.startswith("FORCED")
    assert registry.active() == {"ridge": "0003"}
    assert registry.deployments()[-1]["note"].startswith("FORCED")


def test_a_first_deployment_needs_skill(tmp_path: Path, noise_data) -> None:  # type: ignore[no-untyped-def]
    panel, _, data = noise_data
    ml = ML.model_copy(update={"min_validation_ic": 0.10})
    trained = train("ridge", ml, data, len(panel.index) - 1, SYMBOLS, panel.names)
    decision = decide(trained, None, ml, force=False)
    assert not decision.deploy and "first deployment" in decision.reason


def test_nothing_deployed_is_a_clear_error_not_a_silent_training(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "empty")
    with pytest.raises(ConfigError, match="retrain --models all --deploy"):
        registry.deployed(("ridge", "lgbm"), 0.05)
    assert not (tmp_path / "empty").exists()
