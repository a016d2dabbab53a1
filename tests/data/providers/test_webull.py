"""The official Webull SDK against a fake Webull OpenAPI on 127.0.0.1: bars adjusted to today
(re-fetched when Webull re-adjusts), snapshots, errors, and the SDK kept quiet."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_webull import APP_KEY, APP_SECRET, FakeWebull
from market_truth import Truth
from providerkit import Clock, LiveFactory, no_sleep, quick
from pydantic import SecretStr

from tradewind.config.feeds import WebullDataSection
from tradewind.data.providers.base import ProviderRefused, ProviderUnavailable
from tradewind.data.providers.guard import CallGuard
from tradewind.data.providers.webull import WebullProvider


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)  # the SDK passes them and ignores NO_PROXY


def webull(server: FakeWebull, tmp: Path, key: str = APP_KEY) -> WebullProvider:
    settings = WebullDataSection.model_validate(quick(url=server.url).model_dump())
    guard = CallGuard("webull", settings, sleep=no_sleep)
    return WebullProvider(settings, SecretStr(key), SecretStr(APP_SECRET), tmp / "sdk", guard)


def test_daily_bars_as_webull_adjusts_them_and_a_re_adjustment_refetches(
    truth: Truth, make_live: LiveFactory, tmp_path: Path
) -> None:
    clock = Clock("2024-06-27 18:00")
    with FakeWebull(truth, "2024-06-27") as server:
        first = make_live({"webull": webull(server, tmp_path)}, clock).bars(["AAPL"])["AAPL"]
        truth.add_split("AAPL", "2024-06-28", 2.0)
        server.today = pd.Timestamp("2024-06-28")
        clock.set("2024-06-28 18:00")
        after = make_live({"webull": webull(server, tmp_path)}, clock).bars(["AAPL"])["AAPL"]
        calls = server.server.paths("/bars/list")
    assert first.index[-1] == pd.Timestamp("2024-06-27 16:00", tz="America/New_York")
    np.testing.assert_allclose(
        after["close"].to_numpy(),
        truth.total_return("AAPL", pd.Timestamp("2024-06-28")).iloc[-len(after) :].to_numpy(),
        rtol=1e-6,
    )
    assert len(calls) == 3  # first fetch, the overlap check that saw the split, the refetch
    assert {c.json()["category"] for c in calls} == {"US_STOCK"}


def test_snapshot_price_and_time(truth: Truth, tmp_path: Path) -> None:
    ms = int(pd.Timestamp("2024-06-28 14:31", tz="UTC").timestamp() * 1000)
    with FakeWebull(truth, "2024-06-27") as server:
        server.snapshots["AAPL"] = (71.5, ms)
        quote = webull(server, tmp_path).latest(["AAPL"])["AAPL"]
    assert quote.price == 71.5 and quote.time == pd.Timestamp(ms, unit="ms", tz="UTC")


def test_bad_key_server_errors_and_no_console_or_file_logging(
    truth: Truth, tmp_path: Path, capsys: pytest.CaptureFixture[str], in_tmp_cwd: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    with FakeWebull(truth, "2024-06-27") as server:
        with pytest.raises(ProviderRefused, match="HTTP 401"):
            webull(server, tmp_path, key="WRONGKEY00000000")
        provider = webull(server, tmp_path)
        server.server.fail("/bars/list", 503, 503)
        with pytest.raises(ProviderUnavailable, match="HTTP 503"):
            provider.daily("AAPL", date(2024, 6, 1), None)
    out = capsys.readouterr()
    assert out.out == "" and APP_SECRET not in out.err
    assert not list(in_tmp_cwd.glob("webull_*.log"))
    assert not any(r.name.startswith("webull") for r in caplog.records if r.levelno >= logging.INFO)
