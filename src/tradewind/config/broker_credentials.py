"""Which credentials each broker needs, per environment, and what is wrong with the ones set.

Used by ``tradewind config check``, ``tradewind test-broker`` and the broker factories, so the
three say the same thing. Values are never read here beyond "set or not" (and the one boolean,
``WEBULL_PAPER_TRADING``).

================  ==========================================  ================================
broker.name       required                                    optional / consistency
================  ==========================================  ================================
alpaca            ALPACA_API_KEY, ALPACA_SECRET_KEY            paper and live keys differ
webull            WEBULL_APP_KEY, WEBULL_APP_SECRET            WEBULL_ACCOUNT_ID (else the only
                                                              account); WEBULL_PAPER_TRADING
                                                              must agree with
                                                              broker.paper_trading
webull_app        WEBULL_EMAIL, WEBULL_PASSWORD                WEBULL_TRADE_PIN; paper only
================  ==========================================  ================================
"""

from __future__ import annotations

from dataclasses import dataclass

from tradewind.config.root import TradewindConfig
from tradewind.config.secrets import Secrets

REQUIRED: dict[str, tuple[str, ...]] = {
    "alpaca": ("ALPACA_API_KEY", "ALPACA_SECRET_KEY"),
    "webull": ("WEBULL_APP_KEY", "WEBULL_APP_SECRET"),
    "webull_app": ("WEBULL_EMAIL", "WEBULL_PASSWORD"),
}


@dataclass(frozen=True)
class CredentialProblem:
    """One credential problem: the variable concerned, what is wrong, and the fix."""

    variable: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.message}; {self.fix}"


def credential_problems(cfg: TradewindConfig, secrets: Secrets) -> list[CredentialProblem]:
    """What keeps ``cfg.broker.name`` from authenticating with the credentials set (empty: none).

    Checked whatever ``trading.mode`` is (the simulated mode ignores them, but ``test-broker``
    and a later switch to paper need them).
    """
    name = cfg.broker.name
    present = secrets.present()
    env = "paper" if cfg.broker.paper_trading else "live"
    out: list[CredentialProblem] = []
    for var in REQUIRED.get(name, ()):
        if not present.get(var):
            out.append(
                CredentialProblem(
                    var,
                    f"not set, and broker.name '{name}' needs it ({env})",
                    f"add {var}=... to .env (or the environment); see the README's "
                    f"'{_section(name)}' section for where to get it",
                )
            )
    if name == "webull" and secrets.webull_paper_trading != cfg.broker.paper_trading:
        said = "true" if secrets.webull_paper_trading else "false"
        want = "true" if cfg.broker.paper_trading else "false"
        out.append(
            CredentialProblem(
                "WEBULL_PAPER_TRADING",
                f"is {said} but broker.paper_trading is {want}: the keys would be used against "
                "the other environment (test keys do not work in production and back)",
                f"set WEBULL_PAPER_TRADING={want} in .env, or change broker.paper_trading",
            )
        )
    if name == "webull" and present.get("WEBULL_EMAIL") and not present.get("WEBULL_APP_KEY"):
        out.append(
            CredentialProblem(
                "WEBULL_EMAIL",
                "is set, but the official Webull OpenAPI (broker.name: webull) signs in with "
                "an application's WEBULL_APP_KEY / WEBULL_APP_SECRET, not an email and password",
                "apply for OpenAPI access and set the app key and secret, or use the app's "
                "paper account through the unofficial route: broker.name: webull_app (paper "
                "only, best-effort; see the README)",
            )
        )
    return out


def _section(name: str) -> str:
    return {
        "alpaca": "Broker: Alpaca",
        "webull": "Broker: Webull (official OpenAPI)",
        "webull_app": "Broker: Webull app paper account (unofficial)",
    }.get(name, "Brokers")
