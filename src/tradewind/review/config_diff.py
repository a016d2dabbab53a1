"""Which strategy settings a live configuration changes from a paper run's (the runbook's Phase
22.3: "Same Configuration: Use identical settings as paper trading").

Both configurations are compared whole, setting by setting (dotted paths such as
``portfolio_optimization.rebalancing.drift_threshold``), except where a live run is expected to
differ from its paper run (:data:`EXPECTED`): the mode and the account, the capital (the runbook
starts live small), how the broker is reached, where things are written, who is told and how a
run is judged. Credentials are not settings at all (they come from the environment). The ML
section counts only while the ensemble is on in either configuration, as in the strategy's
fingerprint (:meth:`~tradewind.config.TradewindConfig.decision_payload`). Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tradewind.config import TradewindConfig

EXPECTED: dict[str, str] = {
    "trading.mode": "paper becomes live",
    "trading.initial_capital": "the runbook starts live with $5,000-$10,000",
    "trading.larger_account": "what a first start does with an account larger than the capital",
    "broker.paper_trading": "the paper account becomes the live account",
    "broker.base_url": "the live host is another address",
    "broker.timeout_seconds": "how the broker is reached, not what is traded",
    "broker.requests_per_minute": "how the broker is reached, not what is traded",
    "broker.on_start_difference": "what a first start does with the account it finds",
    "database": "where runs are stored",
    "logging": "where the log is written",
    "notifications": "who is told",
    "reports": "what a run reports",
    "readiness": "how a run is judged",
    "dashboard": "the monitoring dashboard",
    "data.cache.path": "where the price cache is kept",
    "data.cache.regime": "whether the regime series is cached",
    "data.cache.regime_path": "where the regime series is cached",
}
"""Settings (a dotted path, or a whole section) a live run may change from its paper run, each
with the reason; every other setting must be the paper run's."""

NOT_SET = "(not set)"
"""How a setting present on one side only is shown."""


@dataclass(frozen=True)
class SettingDifference:
    """One strategy setting whose live value is not the paper run's.

    Attributes
    ----------
    path
        The dotted YAML path.
    paper
        The paper run's value (JSON text).
    live
        The live configuration's value (JSON text).
    """

    path: str
    paper: str
    live: str

    def describe(self) -> str:
        """``path: paper value (paper) -> live value (live)``."""
        return f"{self.path}: {self.paper} (paper) -> {self.live} (live)"


def is_expected(path: str) -> bool:
    """Whether ``path`` is a setting live may change from paper (:data:`EXPECTED`)."""
    return any(path == key or path.startswith(key + ".") for key in EXPECTED)


def strategy_differences(
    paper: TradewindConfig, live: TradewindConfig
) -> tuple[SettingDifference, ...]:
    """Every setting of ``live`` that is not ``paper``'s, in the configuration's order, leaving
    out the expected differences (:data:`EXPECTED`)."""
    ensemble = paper.ml.enabled or live.ml.enabled
    a, b = _settings(paper, ensemble), _settings(live, ensemble)
    out = []
    for path in [*a, *(p for p in b if p not in a)]:
        if path in a and path in b and a[path] == b[path]:
            continue
        out.append(SettingDifference(path, _text(a, path), _text(b, path)))
    return tuple(out)


def _settings(cfg: TradewindConfig, ensemble: bool) -> dict[str, Any]:
    """``cfg`` as dotted paths and JSON values, without the expected differences."""
    dump = cfg.model_dump(mode="json")
    if not ensemble:
        del dump["ml"]  # the ensemble is off in both: its settings decide nothing
    flat: dict[str, Any] = {}
    _flatten(dump, "", flat)
    return {path: value for path, value in flat.items() if not is_expected(path)}


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = value


def _text(flat: Mapping[str, Any], path: str) -> str:
    return json.dumps(flat[path]) if path in flat else NOT_SET
