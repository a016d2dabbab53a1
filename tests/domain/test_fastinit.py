"""fast_init keeps a frozen dataclass's behaviour: signature, defaults, post-init, immutability."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from tradewind.domain import ClientOrderId, Fill, OrderRequest, Side, Symbol
from tradewind.domain.fastinit import fast_init

T0 = datetime(2024, 1, 2, 21, tzinfo=UTC)


def test_fields_defaults_equality_hash_and_replace_are_unchanged() -> None:
    fill = Fill(ClientOrderId("x"), Symbol("A"), Side.BUY, 2.0, 10.0, T0, slippage=0.02)
    assert (fill.commission, fill.slippage, fill.impact) == (0.0, 0.02, 0.0)
    same = Fill(ClientOrderId("x"), Symbol("A"), Side.BUY, 2.0, 10.0, T0, 0.0, 0.02)
    assert fill == same and hash(fill) == hash(same) and repr(fill) == repr(same)
    assert dataclasses.replace(fill, quantity=3.0).quantity == 3.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        fill.quantity = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        Fill(ClientOrderId("x"), Symbol("A"), Side.BUY, 2.0)  # type: ignore[call-arg]


def test_post_init_still_validates() -> None:
    with pytest.raises(ValueError, match="quantity must be > 0"):
        OrderRequest(ClientOrderId("x"), Symbol("A"), Side.BUY, 0.0, T0)


def test_only_frozen_slotted_dataclasses_with_plain_fields_are_accepted() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        a: list[int] = dataclasses.field(default_factory=list)

    for cls in (NoSlots, Factory):
        with pytest.raises(TypeError):
            fast_init(cls)
