"""What the registry keeps beside each model: where it came from and how well it validated.

Stored as ``meta.json`` in the model's version folder; every field is plain JSON so a person
can read it (``tradewind retrain --monitoring-status --json`` prints the same values).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tradewind

META_FILE = "meta.json"


def code_version() -> dict[str, str]:
    """The tradewind version and a digest of the ``signals`` package's source files.

    The digest changes whenever the code that builds features, labels or models changes, so a
    model can be traced to the code that trained it even between releases.
    """
    folder = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return {"tradewind": tradewind.__version__, "signals_source_sha256": digest.hexdigest()[:16]}


@dataclass(frozen=True)
class ModelMeta:
    """One trained model: data range, features, parameters, validation metrics, code version.

    Dates are ISO ``YYYY-MM-DD`` (New York trading dates). ``data_end`` is the last date whose
    data the model saw: every label it learned from or was validated on was known by then.
    ``feature_reference`` holds each feature's decile edges and bin shares on the training
    samples and ``prediction_reference`` those of its validation predictions: the health
    check measures drift (PSI) against them.
    """

    name: str
    params: dict[str, Any]
    features: list[str]
    symbols: list[str]
    horizon: int
    sample_every: int
    fit_start: str
    fit_end: str
    validation_start: str
    validation_end: str
    data_end: str
    n_fit: int
    n_validation: int
    validation: dict[str, float | int]
    ic_by_year: dict[str, float]
    feature_reference: dict[str, dict[str, list[float]]]
    prediction_reference: dict[str, list[float]]
    code: dict[str, str] = field(default_factory=code_version)
    created_at: str = ""
    version: str = ""
    artifact: str = ""
    artifact_sha256: str = ""
    deployed_at: str = ""
    deploy_note: str = ""

    @property
    def ic(self) -> float:
        """The validation IC (the deploy gate's metric)."""
        return float(self.validation["ic"])

    def to_json(self) -> str:
        """Pretty JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelMeta:
        """Parse ``meta.json`` (unknown keys are ignored; missing ones raise ``TypeError``)."""
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def replace(self, **changes: Any) -> ModelMeta:
        """A copy with ``changes``."""
        data = asdict(self)
        data.update(changes)
        return ModelMeta(**data)
