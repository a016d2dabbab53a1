"""``tradewind trade`` and ``tradewind backtest`` import pandas without Arrow
(:mod:`tradewind.data.arrowless`: the service's memory, the backtest's start): a replay so run
records exactly what the same replay records with Arrow-backed strings, a backtest writes the
same report files byte for byte and the same database rows, and Arrow never enters either
process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import yaml
from clikit import run_fresh

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("cycles", "orders", "fills", "order_events", "positions", "equity_snapshots", "costs")
"""Every table a replay's cycles write (events and state hold wall-clock times and pids)."""


def _config(folder: Path) -> Path:
    """The demo config with its database and log inside ``folder``."""
    folder.mkdir()
    data = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    data["database"] = {"url": f"sqlite:///{folder / 'tw.db'}"}
    data["logging"] = {"path": str(folder / "trading.log")}
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config


def _run(folder: Path, args: list[str], arrow: bool) -> dict[str, object]:
    """``tradewind ARGS`` in a fresh interpreter in ``folder``, with or without Arrow."""
    done, report = run_fresh(
        args,
        # importing pyarrow first: pandas then backs its strings with Arrow, as by default
        before="import pyarrow" if arrow else "",
        report='{"arrow": "pyarrow" in sys.modules, '
        '"storage": __import__("pandas").Series(["x"]).dtype.storage}',
        cwd=folder,
    )
    assert report["code"] == 0, done.stderr[-2000:]
    return report


def _replay(folder: Path, arrow: bool) -> dict[str, object]:
    config = _config(folder)
    args = ["trade", "-c", str(config), "-m", "simulated", "--replay", "2022-01-03:2022-03-31"]
    return _run(folder, [*args, "--json"], arrow)


def _rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(db) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}  # noqa: S608


def test_a_replay_without_arrow_records_what_it_records_with_arrow(tmp_path: Path) -> None:
    lean = _replay(tmp_path / "lean", arrow=False)
    full = _replay(tmp_path / "full", arrow=True)
    assert lean == {"code": 0, "arrow": False, "storage": "python"}
    assert full == {"code": 0, "arrow": True, "storage": "pyarrow"}
    ours, theirs = _rows(tmp_path / "lean" / "tw.db"), _rows(tmp_path / "full" / "tw.db")
    assert len(ours["cycles"]) > 50 and ours["fills"]  # the replay really traded
    assert ours == theirs


def _backtest(folder: Path, arrow: bool) -> dict[str, object]:
    config = _config(folder)
    args = ["backtest", "-c", str(config), "--start", "2020-06-01", "--out", "out", "--json"]
    return _run(folder, args, arrow)


def test_a_backtest_without_arrow_writes_what_it_writes_with_arrow(tmp_path: Path) -> None:
    lean = _backtest(tmp_path / "lean", arrow=False)
    full = _backtest(tmp_path / "full", arrow=True)
    assert lean == {"code": 0, "arrow": False, "storage": "python"}
    assert full == {"code": 0, "arrow": True, "storage": "pyarrow"}
    ours, theirs = tmp_path / "lean" / "out", tmp_path / "full" / "out"
    names = sorted(str(p.relative_to(ours)) for p in ours.rglob("*") if p.is_file())
    assert {"summary.json", "tearsheet.html", "decisions.jsonl"} <= set(names)
    assert names == sorted(str(p.relative_to(theirs)) for p in theirs.rglob("*") if p.is_file())
    for name in names:
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name
    with (
        sqlite3.connect(tmp_path / "lean" / "tw.db") as a,
        sqlite3.connect(tmp_path / "full" / "tw.db") as b,
    ):
        query = "SELECT * FROM fills ORDER BY id"
        assert a.execute(query).fetchall() == b.execute(query).fetchall() != []
