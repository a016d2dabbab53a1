"""Helpers of the dashboard tests: a stored replay, Streamlit's app-testing harness on the
dashboard's page, and an independent look at a database (imported by name: this folder is on
``sys.path`` while the tests run; ``bench/bench_dashboard.py`` adds it too)."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tradewind

APP = Path(tradewind.__file__).resolve().parent / "dashboard" / "app.py"
"""The page's script, as ``tradewind dashboard`` starts it."""
SHIM = Path(__file__).resolve().parents[2] / "src" / "dashboard" / "app.py"
"""The runbook's ``src/dashboard/app.py``."""
DEMO_YAML = Path(__file__).resolve().parents[2] / "config" / "demo.yaml"
TABS = ("Portfolio", "Performance", "Regime", "Transaction Costs", "System Health")


@dataclass(frozen=True)
class StoredRun:
    """A finished run in a real SQLite database."""

    folder: Path
    config: Path
    cfg: Any
    run_id: int

    @property
    def database(self) -> Path:
        """The SQLite file."""
        return self.folder / "tw.db"


def app_test(
    config: Path | None,
    monkeypatch: Any,
    *,
    tab: str | None = None,
    run: int | None = None,
    mode: str | None = None,
) -> Any:
    """The dashboard's page run once by Streamlit's ``AppTest`` on ``config``'s database
    (``tab``, ``run`` and ``mode`` as the page's address would give them)."""
    from streamlit.testing.v1 import AppTest

    if config is not None:
        monkeypatch.setenv("TRADEWIND_CONFIG", str(config))
    else:
        monkeypatch.delenv("TRADEWIND_CONFIG", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=180)
    for key, value in (("tab", tab), ("run", run), ("mode", mode)):
        if value is not None:
            at.query_params[key] = str(value)
    return at.run()


def metrics(at: Any) -> dict[str, tuple[str, str | None]]:
    """The page's headline figures: label -> (value, note)."""
    return {m.label: (m.value, m.delta) for m in at.metric}


def texts(at: Any) -> str:
    """Every text the page shows (markdown, captions, alerts) in one string."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "success", "warning", "error")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def frames(at: Any) -> list[Any]:
    """The page's tables as DataFrames (the data, before display formatting)."""
    out = []
    for d in at.dataframe:
        value = d.value
        out.append(value.data if hasattr(value, "data") else value)
    return out


def database_digest(path: Path) -> str:
    """SHA-256 of every row of every table of a SQLite database (what a read-only page must
    leave unchanged)."""
    h = hashlib.sha256()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for line in conn.iterdump():
            h.update(line.encode())
    finally:
        conn.close()
    return h.hexdigest()


def demo_config(folder: Path, **sections: dict[str, object]) -> Path:
    """``config/demo.yaml`` with its database and log in ``folder`` (``sections`` merged in,
    one level deep), written to ``folder/config.yaml``."""
    import yaml

    data = yaml.safe_load(DEMO_YAML.read_text(encoding="utf-8"))
    data["database"] = {"url": f"sqlite:///{folder / 'tw.db'}"}
    data["logging"] = {"path": str(folder / "trading.log")}
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def run_demo(folder: Path, years: float = 1.0) -> StoredRun:
    """``tradewind demo`` (the bundled real prices replayed through the trading service) into
    ``folder``: its database, log and report folder all there."""
    import json

    from typer.testing import CliRunner

    from tradewind.cli.app import app
    from tradewind.config import load_config

    config = demo_config(folder)
    args = [
        "demo",
        "--config",
        str(config),
        "--years",
        str(years),
        "--out",
        str(folder / "report"),
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    run_id = int(json.loads(result.stdout)["run_id"])
    return StoredRun(folder, config, load_config(config), run_id)


def copy_run(run: StoredRun, folder: Path, **sections: dict[str, object]) -> StoredRun:
    """``run``'s database (and its simulator journal) in ``folder`` with a config of its own
    (``sections`` merged in), for a test that changes the database (a halt, a resume)."""
    import shutil

    from tradewind.config import load_config

    folder.mkdir(parents=True, exist_ok=True)
    for f in run.folder.glob("tw.*"):
        if not f.name.endswith(".lock"):
            shutil.copy2(f, folder / f.name)
    config = demo_config(folder, **sections)
    return StoredRun(folder, config, load_config(config), run.run_id)
