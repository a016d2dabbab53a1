"""Helpers of the provider tests (imported by name: a test module's ``from conftest import``
would take whichever ``conftest`` another test folder loaded first): a clock pinned to a day,
quick provider settings, retries that do not wait, the type of the ``make_live`` fixture."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from tradewind.config.feeds import ProviderSection
from tradewind.data.live import LiveData

NY = "America/New_York"


class Clock:
    """A settable 'now' (UTC), given in New York time."""

    def __init__(self, when: str) -> None:
        self.t = pd.Timestamp(when, tz=NY).tz_convert("UTC")

    def set(self, when: str) -> None:
        self.t = pd.Timestamp(when, tz=NY).tz_convert("UTC")

    def __call__(self) -> pd.Timestamp:
        return self.t


def quick(**overrides: float | int | str | None) -> ProviderSection:
    """Provider settings for tests: no rate-limit spacing, short timeouts, one retry."""
    values: dict[str, float | int | str | None] = {
        "min_interval_seconds": 0.0,
        "retries": 1,
        "backoff_seconds": 0.0,
        "timeout_seconds": 2.0,
    }
    values.update(overrides)
    return ProviderSection.model_validate(values)


def no_sleep(_seconds: float) -> None:
    """Retries in tests do not wait."""


LiveFactory = Callable[..., LiveData]
