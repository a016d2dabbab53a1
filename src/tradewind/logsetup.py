"""Logging to the console and a rotating ``logs/trading.log``, secrets redacted by construction.

Every handler tradewind installs formats through :class:`RedactingFormatter`, so a secret value
(or anything shaped like a credential: ``Authorization`` headers, ``api_key=...``, webhook URLs)
is masked whichever logger emitted it, including third-party SDKs.

Every configured secret value is masked, whatever its length:

* a value of :data:`LONG_SECRET` (8) characters or more wherever it appears, even inside a
  longer word or URL;
* a shorter one (a Telegram chat id such as ``123``, a PIN) wherever it stands as a whole
  token: not touching a letter, digit or ``_``, and not part of a decimal number. So chat id
  ``123`` is masked in ``chat 123`` and ``chat_id=123&``, but ``41234`` and ``0.123`` are
  left alone: masking every ``123`` inside prices and quantities would make logs unreadable
  without hiding anything.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from functools import lru_cache
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from rich.logging import RichHandler

FILE_ONLY = "tradewind_file_only"
"""``extra={FILE_ONLY: True}`` keeps a record out of the console and stderr (the command has
shown it already, e.g. a refusal in red): it goes to the log file only."""
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
STDERR_FORMAT = "%(levelname)s: %(message)s"
MASK = "***"
LONG_SECRET = 8
"""Secrets at least this long are masked anywhere; shorter ones as whole tokens only."""

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
        self._secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` and redact the result."""
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every value in ``secrets`` (see the module rules) and every credential-shaped
    substring of ``text``."""
    values = _secret_pattern(tuple(sorted({s for s in secrets if s}, key=len, reverse=True)))
    if values is not None:
        text = values.sub(MASK, text)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


@lru_cache(maxsize=16)
def _secret_pattern(values: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for every secret, longest first; short ones only as whole tokens."""
    if not values:
        return None
    token_start, token_end = r"(?<![A-Za-z0-9_])(?<![0-9][.,])", r"(?![A-Za-z0-9_])(?![.,][0-9])"
    parts = [
        re.escape(v) if len(v) >= LONG_SECRET else f"{token_start}{re.escape(v)}{token_end}"
        for v in values
    ]
    return re.compile("|".join(parts))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record to the ``sys.stderr`` of the moment (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignored: the stream is always the current ``sys.stderr``."""


def _not_file_only(record: logging.LogRecord) -> bool:
    return not getattr(record, FILE_ONLY, False)


def setup_logging(
    path: str | Path = "logs/trading.log",
    level: str = "INFO",
    *,
    secrets: Iterable[str] = (),
    max_bytes: int = 10_000_000,
    backup_count: int = 5,
    console: bool = True,
    stderr_level: str | None = None,
) -> Path:
    """Install console and rotating-file handlers on the root logger; return the log path.

    Parameters
    ----------
    console
        Also log to the terminal through rich (stdout), at ``level``: the trading service.
    stderr_level
        Also log records of this level and above to stderr as plain lines (commands whose
        stdout is their result, e.g. ``--json``).

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
    if stderr_level is not None:
        stderr_handler = _StderrHandler()
        stderr_handler.setLevel(stderr_level)
        stderr_handler.setFormatter(RedactingFormatter(STDERR_FORMAT, secret_list))
        handlers.append(stderr_handler)
    for handler in handlers[1:]:
        handler.addFilter(_not_file_only)
    for handler in handlers:
        handler._tradewind = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    return log_path
