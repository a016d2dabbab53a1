"""Logging to the console and a rotating ``logs/trading.log``, secrets redacted by construction.

Every handler tradewind installs formats through :class:`RedactingFormatter`, so a secret value
(or anything shaped like a credential: ``Authorization`` headers, ``api_key=...``, webhook URLs)
is masked whichever logger emitted it, including third-party SDKs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path

from rich.logging import RichHandler

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MASK = "***"

_PATTERNS = (
    re.compile(r"(?i)(authorization\s*[:=]\s*)(bearer\s+)?[^\s,;'\"]+"),
    re.compile(
        r"(?i)((?:api[_-]?key|secret|password|token|signature|app[_-]?key)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\s,;'\"&]+"
    ),
    re.compile(r"(https://(?:discord(?:app)?\.com)/api/webhooks/)\S+"),
    re.compile(r"(https://api\.telegram\.org/bot)[^/\s]+"),
)


class RedactingFormatter(logging.Formatter):
    """A formatter that masks known secret values and credential-shaped text in every line."""

    def __init__(self, fmt: str = LOG_FORMAT, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` and redact the result."""
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every value in ``secrets`` and every credential-shaped substring of ``text``."""
    for value in secrets:
        text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def setup_logging(
    path: str | Path = "logs/trading.log",
    level: str = "INFO",
    *,
    secrets: Iterable[str] = (),
    max_bytes: int = 10_000_000,
    backup_count: int = 5,
    console: bool = True,
) -> Path:
    """Install console and rotating-file handlers on the root logger; return the log path.

    Calling it again replaces the handlers it installed before (no duplicates).
    """
    log_path = Path(path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    secret_list = list(secrets)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_tradewind", False)]:
        root.removeHandler(handler)
        handler.close()
    file_handler = RotatingFileHandler(
        log_path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    file_handler.setFormatter(RedactingFormatter(LOG_FORMAT, secret_list))
    handlers: list[logging.Handler] = [file_handler]
    if console:
        console_handler = RichHandler(show_path=False, rich_tracebacks=False)
        console_handler.setFormatter(RedactingFormatter("%(name)s: %(message)s", secret_list))
        handlers.append(console_handler)
    for handler in handlers:
        handler._tradewind = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    return log_path
