"""A sweep's folder: what was asked (``sweep.json``) and every finished trial (Parquet parts).

Layout of ``runs/sweeps/<name>/``::

    sweep.json                  the space, the base config, the period, the data source
    trials/part-*.parquet       one file per finished batch: params, status, error, metrics,
                                daily returns, seconds, worker

A part is written to a temporary name, flushed to disk and renamed, so after a crash each part
is either whole or absent: a restarted sweep reads the parts, skips the trials they hold, and
runs the rest. A trial recorded twice (``--retry-failed``) counts as its latest record.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tradewind.backtest.trial import METRICS, TrialResult
from tradewind.domain.errors import ConfigError, DataError

SPEC_FILE = "sweep.json"
PARTS = "trials"
PARAM_PREFIX = "param:"
"""Column prefix of each parameter in :meth:`SweepFolder.table`."""

_SCHEMA = pa.schema(
    [
        ("trial_id", pa.string()),
        ("params", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("first", pa.string()),
        ("last", pa.string()),
        ("seconds", pa.float64()),
        ("worker", pa.string()),
        ("returns", pa.list_(pa.float64())),
        *[(name, pa.float64()) for name in METRICS],
    ]
)


class SweepFolder:
    """Read and write one sweep's folder (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def spec_path(self) -> Path:
        """``sweep.json``."""
        return self.path / SPEC_FILE

    def exists(self) -> bool:
        """True once a sweep was started here."""
        return self.spec_path.exists()

    def spec(self) -> dict[str, Any]:
        """The sweep's ``sweep.json``.

        Raises
        ------
        DataError
            The folder holds no sweep.
        """
        if not self.exists():
            raise DataError(
                f"{self.path} is not a sweep folder (no {SPEC_FILE}); "
                "give the folder `tradewind sweep` printed, e.g. runs/sweeps/<name>"
            )
        data: dict[str, Any] = json.loads(self.spec_path.read_text(encoding="utf-8"))
        return data

    def start(self, spec: Mapping[str, Any]) -> None:
        """Create the folder for ``spec``, or check that a restart asks for the same sweep.

        Raises
        ------
        ConfigError
            The folder holds a different sweep (another space, config or period).
        """
        if self.exists():
            old = self.spec()
            changed = [k for k in spec if k != "created" and old.get(k) != spec[k]]
            if changed:
                raise ConfigError(
                    f"{self.path} holds another sweep ({', '.join(changed)} differ); "
                    "resume it with the same arguments, or pass --out NEW_FOLDER"
                )
            return
        (self.path / PARTS).mkdir(parents=True, exist_ok=True)
        _write_atomic(self.spec_path, json.dumps(dict(spec), indent=2, default=str).encode())

    def append(self, results: Iterable[TrialResult]) -> Path | None:
        """Write finished trials as one new part (durable before this returns)."""
        rows = [_row(r) for r in results]
        if not rows:
            return None
        table = pa.Table.from_pylist(rows, schema=_SCHEMA)
        parts = self.path / PARTS
        parts.mkdir(parents=True, exist_ok=True)
        target = parts / f"part-{time.time_ns():020d}-{os.getpid()}.parquet"
        tmp = parts / f".{target.name}.tmp"  # hidden: readers of the folder skip it
        pq.write_table(table, tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return target

    def records(self) -> pd.DataFrame:
        """Every trial's latest record, one row per trial id, in the order they finished."""
        files = sorted((self.path / PARTS).glob("part-*.parquet"))
        if not files:
            return pd.DataFrame({name: pd.Series(dtype=object) for name in _SCHEMA.names})
        frame: pd.DataFrame = pa.concat_tables(
            [pq.read_table(f, schema=_SCHEMA) for f in files]
        ).to_pandas()
        return frame.drop_duplicates("trial_id", keep="last").reset_index(drop=True)

    def finished(self, *, include_failed: bool = True) -> set[str]:
        """Ids of the trials already recorded (``include_failed=False``: successful ones only)."""
        records = self.records()
        if not include_failed:
            records = records[records["status"] == "ok"]
        return set(records["trial_id"])

    def table(self) -> pd.DataFrame:
        """Every trial: ``param:<path>`` columns, status, error, metrics, seconds, worker."""
        records = self.records()
        params = pd.DataFrame(
            [json.loads(p) for p in records["params"]], index=records.index
        ).add_prefix(PARAM_PREFIX)
        rest = records.drop(columns=["params", "returns"])
        return pd.concat([records[["trial_id"]], params, rest.drop(columns="trial_id")], axis=1)

    def returns(self) -> dict[str, np.ndarray]:
        """Daily returns by trial id, for the successful trials."""
        records = self.records()
        ok = records[records["status"] == "ok"]
        return {
            str(t): np.asarray(r, dtype=np.float64)
            for t, r in zip(ok["trial_id"], ok["returns"], strict=True)
        }


def _row(result: TrialResult) -> dict[str, Any]:
    row: dict[str, Any] = {
        "trial_id": result.trial_id,
        "params": json.dumps(result.params, default=str),
        "status": result.status,
        "error": result.error,
        "first": result.first,
        "last": result.last,
        "seconds": result.seconds,
        "worker": result.worker,
        "returns": np.asarray(result.returns, dtype=np.float64).tolist(),
    }
    for name in METRICS:
        row[name] = result.metrics.get(name, float("nan"))
    return row


def _write_atomic(path: Path, payload: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
