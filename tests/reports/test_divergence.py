"""Divergence: a run whose broker slipped one fill by a known amount and refused one order is
compared with its shadow backtest; both are attributed exactly, and everything adds up to the
difference of the two final equities. A run that filled like the model has no divergence."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import servicekit
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.data import get_market_data
from tradewind.domain.errors import OrderRejected
from tradewind.domain.orders import Fill, OrderEvent, OrderRequest
from tradewind.engine.protocols import Broker
from tradewind.review.divergence import Divergence, attribute
from tradewind.review.shadow import replay_shadow
from tradewind.service.records import RunRecords, load_records
from tradewind.store import Store

SLIP = 0.5
"""USD a share the broker's fill of the third order is worse than the model's price."""
SLIPPED, REFUSED = 3, 7


class SkewedBroker:
    """The simulated broker as a real broker can behave: the ``SLIPPED``-th order fills
    ``SLIP`` a share worse than the simulator's price, the ``REFUSED``-th is rejected. Its cash
    reflects the worse fills, so reconciliation sees a consistent account."""

    def __init__(self, inner: Broker) -> None:
        self.inner = inner
        self.name = inner.name
        self.submitted = 0
        self.slipped: Fill | None = None
        self.refused: OrderRequest | None = None
        self._extra_cash = 0.0

    def submit(self, request: OrderRequest) -> list[OrderEvent]:
        self.submitted += 1
        if self.submitted == REFUSED:
            self.refused = request
            raise OrderRejected("rejected by the broker: not enough buying power")
        events = self.inner.submit(request)
        if self.submitted != SLIPPED:
            return events
        out = []
        for e in events:
            if e.fill is not None:
                worse = e.fill.price + SLIP * e.fill.side.sign
                self.slipped = dataclasses.replace(e.fill, price=worse)
                self._extra_cash -= SLIP * e.fill.quantity
                e = dataclasses.replace(e, fill=self.slipped)
            out.append(e)
        return out

    def cash(self) -> float:
        return self.inner.cash() + self._extra_cash

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _run(folder: Path, wrap: bool) -> tuple[RunRecords, SkewedBroker | None, Any]:
    config = servicekit.write_config(folder, execution={"fill_price": "close"})
    holder: list[SkewedBroker] = []

    def wrapper(inner: Broker) -> Broker:
        holder.append(SkewedBroker(inner))
        return holder[-1]  # type: ignore[return-value]

    _, result = servicekit.run_inprocess(config, broker_wrapper=wrapper if wrap else None)
    assert result.status == "finished" and not result.halted
    cfg = servicekit.load(config)
    with Store(cfg.database_url, mode=None) as store:
        records = load_records(store, result.run_id)
    return records, (holder[-1] if holder else None), cfg


@pytest.fixture(scope="module")
def skewed(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunRecords, SkewedBroker, Any]:
    records, broker, cfg = _run(tmp_path_factory.mktemp("skewed"), wrap=True)
    assert broker is not None and broker.slipped is not None and broker.refused is not None
    return records, broker, cfg


@pytest.fixture(scope="module")
def divergence(skewed: tuple[RunRecords, SkewedBroker, Any]) -> Divergence:
    return attribute(skewed[0].recorder, replay_shadow(skewed[0]))


def test_the_injected_slippage_is_attributed_exactly_to_its_trade(
    skewed: tuple[RunRecords, SkewedBroker, Any], divergence: Divergence
) -> None:
    slipped = skewed[1].slipped
    assert slipped is not None
    trade = next(
        t
        for t in divergence.trades
        if t.run and t.run.order.client_order_id == slipped.client_order_id
    )
    assert trade.kind == "execution"
    assert trade.effects["fill_vs_model"] == pytest.approx(-SLIP * slipped.quantity, abs=1e-9)
    assert trade.effects["timing"] == 0.0 and trade.effects["size"] == 0.0
    assert abs(trade.effects["commission"] + trade.effects["impact"]) < 1e-9
    others = [t.effects.get("fill_vs_model", 0.0) for t in divergence.trades if t is not trade]
    assert all(abs(x) < 1e-9 for x in others)  # no other fill was off the model's price
    assert divergence.totals["fill_vs_model"] == pytest.approx(-SLIP * slipped.quantity, abs=1e-9)
    assert divergence.totals["timing"] == 0.0


def test_the_refused_order_is_attributed_as_missed_with_its_whole_contribution(
    skewed: tuple[RunRecords, SkewedBroker, Any], divergence: Divergence
) -> None:
    records, broker, cfg = skewed
    refused = broker.refused
    assert refused is not None
    missed = [t for t in divergence.trades if t.kind == "missed"]
    placed = [t for t in missed if t.run is not None]  # the run placed it; it never filled
    assert len(placed) == 1
    (m,) = placed
    # the other missed orders are follow-ons: later decisions on a book that had diverged
    assert all(t.run is None and t.ts > m.ts for t in missed if t is not m)
    assert (m.symbol, m.side, m.ts) == (refused.symbol, refused.side.value, pd.Timestamp(
        refused.created_at))  # fmt: skip
    assert m.run is not None and m.run.quantity == 0 and m.run.order.quantity == refused.quantity
    assert m.model is not None and m.model.quantity > 0
    # independently: what the model's fill of that order added by the run's last cycle
    closes = get_market_data(cfg).bars([m.symbol], None, None)[m.symbol]["close"]
    p_end = float(closes[closes.index <= records.recorder.ts[-1]].iloc[-1])
    sign = 1 if m.side == "buy" else -1
    contribution = sign * m.model.quantity * (p_end - m.model.price) - m.model.costs
    assert m.effects == {"missed": pytest.approx(-contribution, abs=1e-9)}
    assert divergence.totals["missed"] == pytest.approx(
        sum(t.effects["missed"] for t in missed), abs=1e-9
    )


def test_the_effects_add_up_to_the_difference_of_the_final_equities(
    skewed: tuple[RunRecords, SkewedBroker, Any], divergence: Divergence
) -> None:
    records = skewed[0]
    assert divergence.run_equity == records.recorder.equity[-1]
    assert divergence.difference == pytest.approx(sum(divergence.totals.values()), abs=1e-6)
    assert abs(divergence.unexplained) < 1e-6
    assert divergence.difference < 0  # the run did worse than its model
    sizes = [t for t in divergence.trades if t.kind == "size"]
    assert sizes  # later decisions were sized on a book that had diverged
    assert divergence.totals["size"] == pytest.approx(sum(t.effects["size"] for t in sizes))


def test_a_run_that_filled_like_the_model_has_no_divergence(tmp_path: Path) -> None:
    records, _, _ = _run(tmp_path, wrap=False)
    result = attribute(records.recorder, replay_shadow(records))
    assert result.trades == () and result.difference == 0.0
    assert result.decisions == result.model_decisions > 10


def test_report_divergence_prints_and_serialises_the_attribution(
    skewed: tuple[RunRecords, SkewedBroker, Any],
) -> None:
    records, _, cfg = skewed
    folder = Path(cfg.database_url.removeprefix("sqlite:///")).parent
    args = ["report", "divergence", "--config", str(folder / "config.yaml"), "--run",
            str(records.run.id)]  # fmt: skip
    out = CliRunner().invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["totals"]["fill_vs_model"] == pytest.approx(-SLIP * skewed[1].slipped.quantity)
    refused = skewed[1].refused
    assert refused is not None
    placed = [t for t in payload["trades"] if t["kind"] == "missed" and t["run"] is not None]
    assert [t["run"]["client_order_id"] for t in placed] == [refused.client_order_id]
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0 and "missed orders" in text.output and "fill vs model" in text.output
