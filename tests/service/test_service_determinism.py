"""One engine: a backtest and a simulated replay through the trading service over the same period,
seed and config make the same decisions, orders and fills and the same equity curve."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from servicekit import SHORT, load, run_inprocess, write_config

from tradewind.backtest.runner import run_backtest
from tradewind.data import get_market_data
from tradewind.engine.recorder import Recorder
from tradewind.store import Store


def _untagged(rec: Recorder) -> str:
    copy = Recorder(rec.symbols, ts=rec.ts, equity=rec.equity, cash=rec.cash, regime=rec.regime)
    copy.decisions = [
        replace(
            d, orders=tuple(replace(o, client_order_id=o.client_order_id[7:]) for o in d.orders)
        )
        for d in rec.decisions
    ]
    return copy.fingerprint()


@pytest.mark.parametrize("fill_price", ["close", "next_open"])
def test_backtest_and_replay_agree_exactly(tmp_path: Path, fill_price: str) -> None:
    config = write_config(tmp_path, execution={"fill_price": fill_price})
    cfg = load(config)
    start = pd.Timestamp(SHORT[0], tz="America/New_York")
    end = pd.Timestamp(SHORT[1], tz="America/New_York") + pd.Timedelta(hours=23)
    backtest = run_backtest(cfg, get_market_data(cfg), start, end)
    service, result = run_inprocess(config)
    assert result.status == "finished"
    rec = backtest.summary.recorder
    # the service's engine ran every cycle in this process: its decision log is the backtest's
    # (client order ids carry a per-run tag; everything else is compared as is)
    assert _untagged(service.engine.recorder) == _untagged(rec)
    with Store(cfg.database_url, mode=None) as store:
        curve = store.equity_curve(result.run_id)
        orders = store.orders(result.run_id)
        fills = store.fills(result.run_id)
    assert [p.equity for p in curve] == list(rec.equity)  # exact, not approximately
    assert [p.ts for p in curve] == [pd.Timestamp(t).to_pydatetime() for t in rec.ts]
    planned = [
        (d.ts, o.symbol, o.side, o.quantity, o.reason) for d in rec.decisions for o in d.orders
    ]
    placed = [
        (
            o.request.created_at,
            o.request.symbol,
            o.request.side.value,
            o.request.quantity,
            o.request.reason,
        )
        for o in orders
    ]
    assert placed == planned and len(placed) > 20

    def key(f: object) -> tuple[object, ...]:
        return (
            f.client_order_id[7:],
            f.quantity,
            f.price,
            f.commission,
            f.slippage,  # type: ignore[attr-defined]
            f.impact,
            f.ts,
        )  # type: ignore[attr-defined]

    assert sorted(map(key, fills)) == sorted(map(key, rec.fills))
    assert backtest.engine.book.cash == curve[-1].cash
