"""Notices built from what the engine did: fills, rebalances, regime changes, the daily summary.

Pure functions of plain values (no store, no network): the service gathers the facts
(:mod:`tradewind.service.notify_cycle`, :mod:`tradewind.service.daily_summary`) and these say
them in words that read well on a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tradewind.domain.orders import Fill
from tradewind.notify.events import KINDS, headline
from tradewind.notify.notice import Notice


def money(value: float, *, sign: bool = False) -> str:
    """``$1,234.56`` (``+$1,234.56`` / ``-$1,234.56`` with ``sign``)."""
    text = f"${abs(value):,.2f}"
    if value < 0:
        return f"-{text}"
    return f"+{text}" if sign else text


def pct(value: float, *, sign: bool = False, digits: int = 2) -> str:
    """A fraction as a percentage: ``0.0123`` -> ``1.23%`` (``+1.23%`` with ``sign``)."""
    return f"{value * 100:+.{digits}f}%" if sign else f"{value * 100:.{digits}f}%"


def qty(value: float) -> str:
    """A share quantity without noise: ``10``, ``2.5``, ``0.0125``."""
    return f"{value:,.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def _title(kind: str, suffix: str = "") -> str:
    _, icon, title = KINDS[kind]
    return headline(icon, f"{title}{suffix}")


def fill_notice(fill: Fill, context: str = "") -> Notice:
    """A fill: side, quantity, symbol, price, value and its costs."""
    side = fill.side.value.upper()
    what = f"{side} {qty(fill.quantity)} {fill.symbol} @ {fill.price:,.2f}"
    return Notice(
        kind="trade_filled",
        category="trades",
        severity="info",
        title=_title("trade_filled", f": {side} {qty(fill.quantity)} {fill.symbol}"),
        text="",
        fields=(
            ("Price", f"{fill.price:,.2f}"),
            ("Value", money(fill.notional)),
            ("Costs", money(fill.cost)),
            ("Order", fill.client_order_id),
        ),
        line=f"Filled {what} ({money(fill.notional)}, costs {money(fill.cost)})",
        ts=fill.ts,
        context=context,
    )


@dataclass(frozen=True, slots=True)
class RebalanceFacts:
    """A rebalance as decided: its trades and their estimated costs (USD)."""

    ts: datetime
    reasons: tuple[str, ...]
    buys: int
    sells: int
    traded_value: float
    equity_before: float
    est_cost: float
    regime: str
    method: str

    @property
    def trades(self) -> int:
        """Orders sent."""
        return self.buys + self.sells

    @property
    def turnover(self) -> float:
        """Traded value over the equity before the rebalance (0 without equity)."""
        return self.traded_value / self.equity_before if self.equity_before > 0 else 0.0


def rebalance_started_notice(r: RebalanceFacts, context: str = "") -> Notice:
    """A rebalance was decided and its orders sent."""
    why = ", ".join(r.reasons) or "scheduled"
    summary = (
        f"{r.trades} trades ({r.sells} sells, {r.buys} buys), turnover "
        f"{pct(r.turnover, digits=1)}, est. cost {money(r.est_cost)}"
    )
    return Notice(
        kind="rebalance_started",
        category="rebalancing",
        severity="info",
        title=_title("rebalance_started"),
        text=f"Why: {why}",
        fields=(
            ("Trades", f"{r.trades} ({r.sells} sells, {r.buys} buys)"),
            ("Turnover", pct(r.turnover, digits=1)),
            ("Est. cost", money(r.est_cost)),
            ("Regime", r.regime),
            ("Method", r.method),
        ),
        line=f"Rebalance started: {summary}; why: {why}",
        ts=r.ts,
        context=context,
    )


def rebalance_finished_notice(
    r: RebalanceFacts,
    *,
    filled: int,
    traded_value: float,
    realized_cost: float,
    ts: datetime,
    context: str = "",
) -> Notice:
    """Every order of a rebalance reached a final state: what it traded and really cost."""
    unfilled = r.trades - filled
    turnover = traded_value / r.equity_before if r.equity_before > 0 else 0.0
    bps = realized_cost / traded_value * 1e4 if traded_value > 0 else 0.0
    summary = (
        f"{filled}/{r.trades} orders filled, turnover {pct(turnover, digits=1)}, realized cost "
        f"{money(realized_cost)} (est. {money(r.est_cost)})"
    )
    return Notice(
        kind="rebalance_finished",
        category="rebalancing",
        severity="warning" if unfilled else "info",
        title=_title("rebalance_finished"),
        text=f"{unfilled} order(s) did not fill" if unfilled else "",
        fields=(
            ("Filled", f"{filled}/{r.trades} orders"),
            ("Traded", money(traded_value)),
            ("Turnover", pct(turnover, digits=1)),
            ("Realized cost", f"{money(realized_cost)} ({bps:.1f} bps)"),
            ("Est. cost", money(r.est_cost)),
        ),
        line=f"Rebalance finished: {summary}" + (f"; {unfilled} did not fill" if unfilled else ""),
        ts=ts,
        context=context,
    )


def regime_notice(
    previous: str,
    current: str,
    confidence: float,
    policy: str,
    ts: datetime | None,
    context: str = "",
) -> Notice:
    """The regime changed: from, to, confidence and the policy that now applies."""
    return Notice(
        kind="regime_change",
        category="regime",
        severity="info",
        title=_title("regime_change", f": {previous} → {current}"),
        text="",
        fields=(
            ("From", previous),
            ("To", current),
            ("Confidence", pct(confidence, digits=0)),
            ("Policy", policy),
        ),
        line=(
            f"Regime change {previous} → {current} (confidence {pct(confidence, digits=0)}); "
            f"new policy: {policy}"
        ),
        ts=ts,
        context=context,
    )


@dataclass(frozen=True, slots=True)
class DailySummary:
    """One session's results (USD; returns as fractions; None where unknown)."""

    session: date
    equity: float
    pnl: float
    ret: float | None
    benchmark_ret: float | None
    regime: str | None
    trades: int
    traded_value: float
    costs: float
    exposure: float
    halted: bool
    as_of: datetime | None = None


def daily_notice(s: DailySummary, context: str = "") -> Notice:
    """The daily summary: P&L against the S&P 500, regime, trades and costs."""
    ret = pct(s.ret, sign=True) if s.ret is not None else "n/a"
    bench = pct(s.benchmark_ret, sign=True) if s.benchmark_ret is not None else "n/a"
    if s.ret is not None and s.benchmark_ret is not None:
        diff = f"{(s.ret - s.benchmark_ret) * 100:+.2f} pts"
    else:
        diff = "n/a"
    bps = s.costs / s.traded_value * 1e4 if s.traded_value > 0 else 0.0
    status = "HALTED" if s.halted else "trading"
    return Notice(
        kind="daily_summary",
        category="daily",
        severity="info",
        title=_title("daily_summary", f" {s.session.isoformat()}"),
        text="",
        fields=(
            ("P&L", f"{money(s.pnl, sign=True)} ({ret})"),
            ("S&P 500", bench),
            ("vs S&P 500", diff),
            ("Equity", money(s.equity)),
            ("Invested", pct(s.exposure, digits=0)),
            ("Regime", s.regime or "n/a"),
            ("Trades", f"{s.trades} ({money(s.traded_value)})"),
            ("Costs", f"{money(s.costs)} ({bps:.1f} bps)"),
            ("Status", status),
        ),
        line=(
            f"Daily summary {s.session.isoformat()}: P&L {money(s.pnl, sign=True)} ({ret}) vs "
            f"S&P 500 {bench}; equity {money(s.equity)}; regime {s.regime or 'n/a'}; "
            f"{s.trades} trade(s), costs {money(s.costs)}; {status}"
        ),
        ts=s.as_of,
        context=context,
    )


def fields_notice(
    kind: str,
    title: str,
    fields: Sequence[tuple[str, str]],
    text: str = "",
    *,
    severity: str = "info",
    ts: datetime | None = None,
    context: str = "",
) -> Notice:
    """A notice made of a title and ``fields`` (command answers, test messages)."""
    category = KINDS[kind][0] if kind in KINDS else "other"
    return Notice(
        kind=kind,
        category=category,
        severity=severity,
        title=title,
        text=text,
        fields=tuple(fields),
        ts=ts,
        context=context,
    )
