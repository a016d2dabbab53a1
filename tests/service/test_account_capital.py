"""Which first starts ``trading.larger_account`` refuses
(:func:`~tradewind.service.live_safety.check_account_capital`): ``refuse`` any paper or live
account worth more than the capital, ``set_aside`` only a live one whose shares alone still
exceed it after the cash was set aside, ``whole`` none; other modes never."""

from __future__ import annotations

import pytest

from tradewind.config import TradewindConfig
from tradewind.domain.errors import ConfigError
from tradewind.service.live_safety import check_account_capital


def _cfg(mode: str, policy: str) -> TradewindConfig:
    return TradewindConfig.model_validate(
        {
            "trading": {"mode": mode, "initial_capital": 10_000.0, "larger_account": policy},
            "broker": {"name": "alpaca", "paper_trading": mode != "live"},
        }
    )


@pytest.mark.parametrize("mode", ["paper", "live"])
def test_refuse_refuses_a_larger_paper_or_live_account_beyond_the_tolerance(mode: str) -> None:
    check_account_capital(_cfg(mode, "refuse"), 10_200.0)  # 2%: not larger
    with pytest.raises(ConfigError, match="trading.larger_account is refuse"):
        check_account_capital(_cfg(mode, "refuse"), 10_200.01)


def test_set_aside_refuses_only_a_live_run_its_shares_keep_above_the_capital() -> None:
    check_account_capital(_cfg("live", "set_aside"), 10_000.0, 240_000.0)  # set aside: fine
    check_account_capital(_cfg("paper", "set_aside"), 30_000.0, 220_000.0)  # paper: measured
    with pytest.raises(ConfigError, match="shares cannot be set aside") as refused:
        check_account_capital(_cfg("live", "set_aside"), 30_000.0, 220_000.0)
    assert "the live account holds $250,000.00" in str(refused.value)
    assert "set trading.larger_account: whole" in str(refused.value)


@pytest.mark.parametrize("mode", ["simulated", "paper", "live"])
def test_whole_and_the_simulated_mode_are_never_refused(mode: str) -> None:
    check_account_capital(_cfg(mode, "whole"), 250_000.0)
    check_account_capital(_cfg("simulated", "refuse"), 250_000.0)
