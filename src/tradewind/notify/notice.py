"""What one notification says, independent of the channel that carries it.

A :class:`Notice` is written to the outbox as a JSON payload (:meth:`Notice.to_payload`) in the
transaction of what it reports, and read back by the dispatcher (:meth:`Notice.from_payload`),
which renders it for Discord or Telegram. Payloads written before notices existed
(``{"kind", "severity", "message"}``) are read as plain notices.

Severities rank ``debug < info < warning < error < critical``; a ``critical`` notice (a halt) is
*urgent*: it is sent alone, ahead of everything else, and never given up on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

Category = Literal[
    "trades", "rebalancing", "regime", "risk", "halt", "error", "service", "daily", "test", "other"
]
CATEGORIES: tuple[str, ...] = get_args(Category)
SEVERITIES: tuple[str, ...] = ("debug", "info", "warning", "error", "critical")
PAYLOAD_VERSION = 1


def severity_rank(severity: str) -> int:
    """0 (debug) to 4 (critical); an unknown severity ranks as warning."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else 2


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification.

    Attributes
    ----------
    kind
        What happened (``trade_filled``, ``halt``, ``regime_change``, ...).
    category
        Which switch governs it (:mod:`tradewind.notify.routing`).
    severity
        ``debug`` to ``critical``.
    title
        A short headline (Discord embed title, Telegram bold first line).
    text
        The body, plain text (escaped by each channel).
    fields
        ``(name, value)`` pairs shown as a compact table.
    line
        The notice as one line, when it shares a message with others.
    ts
        When it happened (the bar time for engine events), tz-aware.
    context
        Where it comes from (``paper, run 3``), shown small.
    """

    kind: str
    category: str
    severity: str
    title: str
    text: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    line: str = ""
    ts: datetime | None = None
    context: str = ""

    @property
    def urgent(self) -> bool:
        """A halt-level notice: sent alone and first, never batched, never given up on."""
        return self.severity == "critical"

    @property
    def one_line(self) -> str:
        """The digest form: :attr:`line`, else the title and the start of the text."""
        if self.line:
            return self.line
        text = self.text.splitlines()[0] if self.text else ""
        return f"{self.title}: {text}" if text else self.title

    def to_payload(self) -> dict[str, Any]:
        """The JSON stored in the outbox."""
        return {
            "v": PAYLOAD_VERSION,
            "kind": self.kind,
            "category": self.category,
            "severity": self.severity,
            "title": self.title,
            "message": self.text,
            "fields": [[k, v] for k, v in self.fields],
            "line": self.line,
            "ts": self.ts.isoformat() if self.ts is not None else None,
            "context": self.context,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Notice:
        """Read a stored payload back (older ``{kind, severity, message}`` payloads included)."""
        kind = str(payload.get("kind") or "alert")
        severity = str(payload.get("severity") or "warning")
        category = str(payload.get("category") or "other")
        if category not in CATEGORIES:
            category = "other"
        raw_ts = payload.get("ts")
        ts = datetime.fromisoformat(raw_ts) if isinstance(raw_ts, str) and raw_ts else None
        fields = tuple(
            (str(f[0]), str(f[1]))
            for f in payload.get("fields") or ()
            if isinstance(f, list | tuple) and len(f) == 2
        )
        run_id = payload.get("run_id")
        context = str(payload.get("context") or (f"run {run_id}" if run_id is not None else ""))
        return cls(
            kind=kind,
            category=category,
            severity=severity if severity in SEVERITIES else "warning",
            title=str(payload.get("title") or kind.replace("_", " ")),
            text=str(payload.get("message") or ""),
            fields=fields,
            line=str(payload.get("line") or ""),
            ts=ts,
            context=context,
        )
