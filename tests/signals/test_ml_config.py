"""The ``ml`` section: defaults off, bad values refused naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tradewind.config import TradewindConfig, load_config
from tradewind.domain.errors import ConfigError


def _write(tmp_path: Path, ml: dict[str, object]) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"ml": ml}), encoding="utf-8")
    return path


def test_the_ensemble_is_off_by_default_and_left_out_of_fingerprints() -> None:
    cfg = TradewindConfig()
    assert cfg.ml.enabled is False
    assert "ml" not in cfg.decision_payload()
    on = cfg.model_copy(update={"ml": cfg.ml.model_copy(update={"enabled": True})})
    assert on.decision_payload()["ml"]["enabled"] is True


@pytest.mark.parametrize(
    ("ml", "words"),
    [
        ({"validation_years": 12}, "ml.validation_years must be in (0, 10], was 12"),
        ({"validation_years": 6, "train_years": 5}, "ml.validation_years (6.0) must be below"),
        ({"models": ["ridge", "ridge"]}, "lists a model twice"),
        ({"models": ["xgboost"]}, "ml.models"),
        ({"confidence_threshold": 1.0}, "ml.confidence_threshold"),
        ({"horizon_days": 0}, "ml.horizon_days"),
        ({"registry": "models"}, "ml.registry"),
    ],
)
def test_bad_ml_settings_are_refused_with_the_key(
    tmp_path: Path, ml: dict[str, object], words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, ml))
    assert words in str(info.value)
