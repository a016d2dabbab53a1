"""``tradewind optimize`` on the bundled data: tables, JSON, and friendly errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewind.cli.app import app

CONFIG = str(Path(__file__).resolve().parents[2] / "config" / "trading_config.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["optimize", *args, "--config", CONFIG])
    return result.exit_code, result.output


def test_json_payload_has_weights_risk_contributions_stats_and_binding() -> None:
    code, out = run(
        "--method", "max_sharpe", "--source", "bundled", "--asof", "2020-03-16", "--json"
    )
    assert code == 0, out
    payload = json.loads(out)
    weights = payload["weights"]
    assert len(weights) == 20  # the configured symbols are not bundled: all 20 stocks
    assert sum(weights.values()) == pytest.approx(0.8)  # risk_management.max_portfolio_risk
    assert max(weights.values()) <= 0.30 + 1e-12
    assert sum(payload["risk_contributions"].values()) == pytest.approx(1.0)
    assert {"expected_return", "volatility", "sharpe"} <= set(payload)
    assert "max_exposure" in {b["kind"] for b in payload["binding_constraints"]}
    assert payload["window_end"].startswith("2020-03-16")


def test_symbols_and_regime_policy() -> None:
    code, out = run(
        "--source",
        "bundled",
        "--asof",
        "2015-06-30",
        "--symbols",
        "AAPL,MSFT,JNJ,XOM,KO",
        "--regime",
        "bear",
        "--json",
    )
    assert code == 0, out
    payload = json.loads(out)
    assert payload["method"] == "min_variance" and payload["regime"] == "BEAR"
    assert set(payload["weights"]) == {"AAPL", "MSFT", "JNJ", "XOM", "KO"}
    assert max(payload["weights"].values()) <= 0.20 + 1e-12


def test_table_output_names_the_parts() -> None:
    code, out = run("-m", "risk_parity", "--source", "bundled", "--asof", "2015-06-30")
    assert code == 0, out
    for text in ("Target weights", "risk contribution", "Sharpe", "Binding constraints", "cash"):
        assert text in out


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["-m", "best", "--source", "bundled", "--asof", "2015-06-30"], 2, "--method 'best'"),
        (["--source", "bundled", "--asof", "2015-06-30", "--regime", "calm"], 2, "--regime"),
        (["--source", "bundled", "--asof", "2015-06-30", "--symbols", "AAPL,ZZZZ"], 3, "ZZZZ"),
    ],
)
def test_errors_are_friendly(args: list[str], code: int, text: str) -> None:
    exit_code, out = run(*args)
    assert exit_code == code
    assert text in out
