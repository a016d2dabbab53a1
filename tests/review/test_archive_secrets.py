"""The backtest archive masks secrets in every text and JSON value it writes, as the store
masks what the trading service writes: the credentials' values, and credential-shaped text, in
event messages, decision reasons and notes, order reasons, on both of its writers."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import text

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.data import get_market_data
from tradewind.domain.types import TradingMode
from tradewind.review import archive
from tradewind.store import Store

MODE = TradingMode.BACKTEST.value
SECRET = "pk-live-Zq81TmXw04"  # noqa: S105  # a made-up key, as a broker key would be set in .env
SHAPED = "api_key=u7Yy2bQx9KeLm"  # credential-shaped: masked without being a known value
TABLES = ("runs", "cycles", "orders", "fills", "events", "positions", "state")


@pytest.fixture(scope="module")
def run() -> BacktestRun:
    """Three months of three stocks whose records carry a secret in each kind of text."""
    from tradewind.config import validate_config

    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "KO", "JPM"]},
            "data": {"source": "bundled"},
            "notifications": {"discord": {"enabled": False}},
        }
    )
    start, end = pd.Timestamp("2019-01-02", tz="UTC"), pd.Timestamp("2019-03-29", tz="UTC")
    done = run_backtest(cfg, get_market_data(cfg), start, end)
    rec = done.summary.recorder
    rec.event(rec.ts[3], "provider_error", f"GET /bars failed: key {SECRET} refused; {SHAPED}")
    traded = next(i for i, d in enumerate(rec.decisions) if d.orders)
    d = rec.decisions[traded]
    order = dataclasses.replace(d.orders[0], reason=f"rebalance ({SECRET})")
    rec.decisions[traded] = dataclasses.replace(
        d,
        reasons=(*d.reasons, f"note with {SECRET}"),
        notes=(*d.notes, SHAPED),
        orders=(order, *d.orders[1:]),
    )
    return done


def _cells(url: str) -> list[Any]:
    with Store(url, mode=MODE) as store, store.engine.connect() as conn:
        out: list[Any] = []
        for table in TABLES:
            for row in conn.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                out.extend(row)
        return out


def _assert_masked(url: str) -> None:
    found = "\n".join(json.dumps(c, default=str) for c in _cells(url))
    assert "GET /bars failed" in found and "rebalance (" in found  # the texts are there...
    assert SECRET not in found and "u7Yy2bQx9KeLm" not in found  # ...without the secrets
    assert found.count("***") >= 5


def test_the_stdlib_writer_masks_every_text(run: BacktestRun, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bt.db'}"
    archive.record(url, run, "bt", mode=MODE, secrets=[SECRET])
    _assert_masked(url)


def test_the_engine_writer_masks_every_text(run: BacktestRun, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bt.db'}"
    with Store(url, mode=MODE, secrets=[SECRET]) as store:
        archive.archive_backtest(store, run, "bt")
    _assert_masked(url)


def test_without_the_value_only_credential_shaped_text_is_masked(
    run: BacktestRun, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'bt.db'}"
    archive.record(url, run, "bt", mode=MODE)
    found = "\n".join(json.dumps(c, default=str) for c in _cells(url))
    assert SECRET in found and "u7Yy2bQx9KeLm" not in found


def test_the_row_masker_masks_as_clean_does_and_skips_what_it_is_told() -> None:
    from tradewind.store.redaction import RowMasker, clean

    rows = [
        (1, f"x {SECRET}", {"why": [SHAPED, 2.5], SECRET: None}, 3.0, f"t {SECRET}"),
        (2, "plain", [("a", SECRET)], None, "t"),
        (3, f"x {SECRET}", None, True, "t"),
    ]
    masker = RowMasker([SECRET])
    got = masker.rows(rows, texts=[1], documents=[2])
    want = [(r[0], *[clean(v, [SECRET]) for v in r[1:3]], r[3], r[4]) for r in rows]
    assert got == want and got[0][4] == rows[0][4]  # the columns not named are as given
    assert masker.rows([], [1]) == []
    unmasked = [(1, "plain", {"a": [1.5]}, f"t {SECRET}")]
    assert masker.rows(unmasked, [1], [2]) is unmasked  # nothing to mask: the rows as given
