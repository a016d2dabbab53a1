"""The steps of ``tradewind test-broker``: each passes or fails with the fix for its failure.

1. credentials present (per broker and environment: :mod:`tradewind.config.broker_credentials`)
2. host reachable (a TCP connection to the broker's host and port)
3. authentication (the first signed call: the account)
4. account (id masked, cash, equity, not blocked from trading)
5. positions
6. market clock (open or closed, next open and close)
7. only with ``--place-test-order``, paper only, market open: a 1-share limit buy far below the
   market, then its cancel (nothing can fill)

A step that fails stops the ones that depend on it (they are reported as skipped).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from tradewind.brokers.errors import BrokerAuthError
from tradewind.brokers.snapshot import SnapshotBroker
from tradewind.brokers.wire import AccountSnapshot
from tradewind.config import TradewindConfig
from tradewind.config.broker_credentials import credential_problems
from tradewind.config.secrets import Secrets
from tradewind.domain.errors import ConfigError, TradewindError
from tradewind.domain.orders import ClientOrderId, OrderRequest, OrderStatus, OrderType, Side
from tradewind.domain.types import EXCHANGE_TZ, Symbol

TEST_LIMIT_PRICE = 1.00
"""The test order's limit: far below any symbol tradewind trades, so it rests until canceled."""

ALPACA_HOSTS = {True: "https://paper-api.alpaca.markets", False: "https://api.alpaca.markets"}


@dataclass(frozen=True)
class Step:
    """One step's outcome: ``ok`` True (pass), False (fail) or None (skipped)."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        status = "pass" if self.ok else ("skipped" if self.ok is None else "fail")
        return {"step": self.name, "status": status, "detail": self.detail, "fix": self.fix}


def broker_url(cfg: TradewindConfig) -> str:
    """The address ``cfg``'s broker is reached at (``broker.base_url`` or the broker's own)."""
    if cfg.broker.base_url:
        return cfg.broker.base_url
    paper = cfg.broker.paper_trading
    if cfg.broker.name == "alpaca":
        return ALPACA_HOSTS[paper]
    if cfg.broker.name == "webull":
        from tradewind.brokers.webull.wire import PRODUCTION_HOST, TEST_HOST

        return f"https://{TEST_HOST if paper else PRODUCTION_HOST}"
    return "https://act.webullbroker.com"


def mask(account: str) -> str:
    """An account id by its last four characters."""
    return "****" + account[-4:] if len(account) > 4 else "****"


def reachable(url: str, timeout: float) -> str | None:
    """None when a TCP connection to ``url``'s host opens, else why not."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{host}:{port}: {exc}"


def run_checks(
    cfg: TradewindConfig,
    secrets: Secrets,
    build: Callable[[], SnapshotBroker],
    *,
    place_test_order: bool,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[Step]:
    """Every step for ``cfg``'s broker; ``build`` makes the adapter (after step 1)."""
    env = "paper" if cfg.broker.paper_trading else "live"
    name = cfg.broker.name
    steps: list[Step] = []
    problems = credential_problems(cfg, secrets)
    if problems:
        steps.append(
            Step(
                "credentials",
                False,
                "; ".join(f"{p.variable} {p.message}" for p in problems),
                " ".join(p.fix + "." for p in problems),
            )
        )
        return _skip(steps)
    steps.append(Step("credentials", True, f"{name} ({env}): every required variable is set"))
    url = broker_url(cfg)
    why = reachable(url, cfg.broker.timeout_seconds)
    if why is not None:
        steps.append(
            Step(
                "host",
                False,
                f"cannot open a connection to {why}",
                "check the network, a firewall or proxy, and broker.base_url if set",
            )
        )
        return _skip(steps)
    steps.append(Step("host", True, f"{url} accepts connections"))
    try:
        broker = build()
        account = broker.account()
    except BrokerAuthError as exc:
        steps.append(Step("auth", False, _first_line(exc), _auth_fix(name, env)))
        return _skip(steps)
    except ConfigError as exc:
        steps.append(Step("auth", False, _first_line(exc), "see the message"))
        return _skip(steps)
    except TradewindError as exc:
        steps.append(Step("auth", False, str(exc), "try again; the broker did not answer well"))
        return _skip(steps)
    try:
        steps.append(Step("auth", True, f"{name} accepted the credentials ({env})"))
        steps.extend(_account_steps(broker, account))
        if place_test_order:
            steps.append(_test_order(cfg, broker, now))
    except TradewindError as exc:
        steps.append(Step("broker", False, str(exc), "try again; the broker did not answer well"))
    finally:
        broker.close()
    return steps


def _account_steps(broker: SnapshotBroker, account: AccountSnapshot) -> list[Step]:
    out = [
        Step(
            "account",
            not account.trading_blocked,
            f"{mask(account.account_id)}: cash ${account.cash:,.2f}, equity "
            f"${account.equity:,.2f} {account.currency}"
            + (" (BLOCKED from trading)" if account.trading_blocked else ""),
            "the broker blocks this account from trading; see its app or website"
            if account.trading_blocked
            else "",
        )
    ]
    held = broker.positions()
    shown = ", ".join(f"{s} {q:g}" for s, q in sorted(held.items())[:10])
    out.append(
        Step("positions", True, f"{len(held)} position(s)" + (f": {shown}" if shown else ""))
    )
    clock = broker.clock()
    state = "open" if clock.is_open else "closed"
    nxt = clock.next_close if clock.is_open else clock.next_open
    when = f", next {'close' if clock.is_open else 'open'} {_et(nxt)}" if nxt else ""
    out.append(Step("market clock", True, f"market {state}{when}"))
    return out


def _test_order(cfg: TradewindConfig, broker: SnapshotBroker, now: Callable[[], datetime]) -> Step:
    if not cfg.broker.paper_trading:
        return Step(
            "test order",
            None,
            "not placed: test orders go to paper accounts only",
            "run with --paper to place one",
        )
    clock = broker.clock()
    if not clock.is_open:
        when = f" (next open {_et(clock.next_open)})" if clock.next_open else ""
        return Step(
            "test order",
            False,
            f"market closed{when}: a test order would wait for the open",
            "run again while the market is open",
        )
    symbol = cfg.trading.symbols[0]
    cid = ClientOrderId(f"twtest-{int(time.time())}")
    request = OrderRequest(
        cid, Symbol(symbol), Side.BUY, 1.0, now(), OrderType.LIMIT, TEST_LIMIT_PRICE, "test"
    )
    try:
        events = broker.submit(request)
        placed = events[-1].status if events else OrderStatus.UNKNOWN
        canceled = broker.cancel(cid)
    except TradewindError as exc:
        return Step("test order", False, str(exc), "see the broker's reason above")
    final = canceled.status.value if canceled is not None else "unknown"
    ok = canceled is not None and canceled.status in (
        OrderStatus.CANCELED,
        OrderStatus.PENDING_CANCEL,
    )
    return Step(
        "test order",
        ok,
        f"{cid}: buy 1 {symbol} limit ${TEST_LIMIT_PRICE:.2f} placed ({placed.value}), cancel "
        f"{final}",
        "" if ok else f"cancel {cid} in the broker's app and check why it was not canceled",
    )


def _auth_fix(name: str, env: str) -> str:
    if name == "alpaca":
        return (
            f"use the {env} keys from Alpaca's dashboard (paper and live keys differ) in "
            "ALPACA_API_KEY / ALPACA_SECRET_KEY, and broker.paper_trading to match"
        )
    if name == "webull":
        other = "test-environment" if env == "paper" else "production"
        return (
            f"use the {other} app key and secret in WEBULL_APP_KEY / WEBULL_APP_SECRET (Webull "
            "issues separate keys per environment), set WEBULL_PAPER_TRADING to match "
            "broker.paper_trading, and check that your OpenAPI application is approved"
        )
    return "log in to the Webull app on this device once; check WEBULL_EMAIL / WEBULL_PASSWORD"


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _skip(steps: list[Step]) -> list[Step]:
    names = ["credentials", "host", "auth", "account", "positions", "market clock"]
    done = {s.name for s in steps}
    return steps + [
        Step(n, None, "skipped (an earlier step failed)") for n in names if n not in done
    ]


def _et(when: datetime) -> str:
    """``when`` on the NYSE's clock, e.g. ``2026-12-07 09:30 ET`` (brokers answer in UTC or in
    New York time; the market hours the runbook names are New York's)."""
    return f"{when.astimezone(ZoneInfo(EXCHANGE_TZ)):%Y-%m-%d %H:%M} ET"
