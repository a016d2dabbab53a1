"""Logs go to console and a rotating file, and never contain a secret."""

from __future__ import annotations

import logging
from pathlib import Path

from tradewind.logsetup import redact, setup_logging


def test_secret_values_and_credential_shapes_are_masked(tmp_path: Path) -> None:
    log_path = setup_logging(
        tmp_path / "logs" / "trading.log", "INFO", secrets=["hunter2-pw"], console=False
    )
    log = logging.getLogger("tradewind.test")
    log.info("login with password hunter2-pw for user")
    log.info("headers: Authorization: Bearer abc.def.ghi")
    log.info("url https://discord.com/api/webhooks/123/tok-en")
    log.info("query api_key=ZZZ999&x=1")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_path.read_text()
    assert "hunter2-pw" not in text
    assert "abc.def.ghi" not in text
    assert "tok-en" not in text
    assert "ZZZ999" not in text
    assert text.count("***") == 4
    assert "login with password" in text


def test_setup_twice_does_not_duplicate_handlers(tmp_path: Path) -> None:
    setup_logging(tmp_path / "a.log", console=False)
    n = len(logging.getLogger().handlers)
    setup_logging(tmp_path / "a.log", console=False)
    assert len(logging.getLogger().handlers) == n


def test_redact_leaves_ordinary_text_alone() -> None:
    assert redact("bought 10 AAPL at 190.5") == "bought 10 AAPL at 190.5"
