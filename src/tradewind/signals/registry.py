"""The model registry: every trained model as a versioned folder, and which one is deployed.

Layout under ``ml.registry_path`` (default ``models/``)::

    models/
      active.json              {"ridge": "0003", "lgbm": "0002", "forest": "0003"}
      deployments.jsonl        one line per deployment: when, what, the gate's reason
      ridge/0003/meta.json     data range, features, parameters, validation metrics, code
      ridge/0003/model.skops   scikit-learn estimators: skops (no pickle; types checked on load)
      lgbm/0002/model.txt      LightGBM's own text model format
      ...

**Why these formats.** A pickle runs code when it is loaded, so a tampered or merely foreign
file could do anything; skops stores a scikit-learn estimator's state in a zip of JSON and
arrays and refuses, on load, every type not on its list (plus the forest's ``Tree``, named in
:data:`~tradewind.signals.models.SKOPS_TRUSTED`). LightGBM's text format is the library's
documented model file, readable by LightGBM in any language. ``meta.json`` is plain JSON and
records the artifact's SHA-256, checked on every load.

Writes are atomic: a version is written into a temporary folder and renamed into place, and
``active.json`` is replaced in one step, so a crash never leaves a half-written model deployed.
Nothing here trains: loading a deployed model is all a restart does.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from tradewind.config.ml import MODEL_NAMES, ModelName
from tradewind.domain.errors import ConfigError, DataError
from tradewind.signals.ensemble import Ensemble, Member
from tradewind.signals.meta import META_FILE, ModelMeta
from tradewind.signals.models import load_model
from tradewind.signals.training import Trained

ACTIVE_FILE = "active.json"
DEPLOYMENTS_FILE = "deployments.jsonl"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_name(name: str) -> ModelName:
    if name not in MODEL_NAMES:
        raise ConfigError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")
    return name


class Registry:
    """Versioned model folders under ``root`` and the deployed version of each model."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # --- reading -------------------------------------------------------------------------
    def versions(self, name: str) -> list[str]:
        """Stored versions of model ``name``, oldest first."""
        folder = self.root / _check_name(name)
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name.isdigit())

    def meta(self, name: str, version: str) -> ModelMeta:
        """The metadata of one version.

        Raises
        ------
        DataError
            The version does not exist or its ``meta.json`` cannot be read.
        """
        path = self.root / _check_name(name) / version / META_FILE
        try:
            return ModelMeta.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(f"model {name} version {version} is not in {self.root}") from None
        except (ValueError, TypeError) as exc:
            raise DataError(f"{path} cannot be read ({exc}); retrain {name}") from None

    def load(self, name: str, version: str) -> Member:
        """The model and metadata of one version, its artifact checked against its SHA-256.

        Raises
        ------
        DataError
            Missing or altered artifact (the digest differs), or a type skops refuses.
        """
        meta = self.meta(name, version)
        folder = self.root / name / version
        artifact = folder / meta.artifact
        if not artifact.is_file():
            raise DataError(f"{artifact} is missing; retrain {name} (tradewind retrain)")
        if _sha256(artifact) != meta.artifact_sha256:
            raise DataError(
                f"{artifact} does not match the SHA-256 in its meta.json (altered or "
                f"corrupted); retrain {name} (tradewind retrain --models {name} --deploy)"
            )
        try:
            model = load_model(meta.name, folder)  # type: ignore[arg-type]
        except ValueError as exc:
            raise DataError(str(exc)) from None
        return Member(model, meta)

    def active(self) -> dict[str, str]:
        """Deployed version per model name (empty when nothing is deployed)."""
        path = self.root / ACTIVE_FILE
        if not path.is_file():
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()}

    def active_member(self, name: str) -> Member | None:
        """The deployed version of ``name``, or None."""
        version = self.active().get(_check_name(name))
        return self.load(name, version) if version else None

    def deployed(self, names: Sequence[str], full_confidence_ic: float) -> Ensemble:
        """The ensemble of the deployed versions of ``names``.

        Raises
        ------
        ConfigError
            A model in ``names`` has no deployed version: nothing is trained here.
        """
        active = self.active()
        missing = [n for n in names if n not in active]
        if missing:
            raise ConfigError(
                f"ml: no deployed model for {', '.join(missing)} in {self.root}; train and "
                "deploy first: tradewind retrain --models all --deploy (or python "
                "scripts/retrain_models.py --models all --deploy)"
            )
        return Ensemble([self.load(n, active[n]) for n in names], full_confidence_ic)

    def deployments(self) -> list[dict[str, str]]:
        """Every deployment recorded, oldest first."""
        path = self.root / DEPLOYMENTS_FILE
        if not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    # --- writing -------------------------------------------------------------------------
    def save(self, trained: Trained) -> ModelMeta:
        """Store ``trained`` as the next version of its model (not deployed); return its meta."""
        name = _check_name(trained.meta.name)
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        existing = self.versions(name)
        version = f"{int(existing[-1]) + 1 if existing else 1:04d}"
        tmp = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=folder))
        try:
            artifact = trained.model.save(tmp)
            meta = trained.meta.replace(
                version=version, artifact=artifact.name, artifact_sha256=_sha256(artifact)
            )
            (tmp / META_FILE).write_text(meta.to_json(), encoding="utf-8")
            os.replace(tmp, folder / version)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return meta

    def deploy(self, name: str, version: str, note: str) -> None:
        """Make ``version`` the deployed one of ``name`` and record why."""
        self.load(name, version)  # refuse to deploy what cannot be loaded
        active = self.active()
        active[_check_name(name)] = version
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".active-", dir=self.root)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(active, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / ACTIVE_FILE)
        record = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": name,
            "version": version,
            "note": note,
        }
        with (self.root / DEPLOYMENTS_FILE).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")
