"""Logs go to console and a rotating file, and never contain a secret."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

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


def _read_logs(folder: Path) -> dict[str, str]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_a_short_secret_is_masked_as_a_whole_token_not_inside_numbers(tmp_path: Path) -> None:
    setup_logging(tmp_path / "t.log", secrets=["123", "-100777"], console=False)
    log = logging.getLogger("tradewind.test")
    log.info("telegram chat 123 and chat_id=123&x=1 and group -100777")
    log.info("bought 41234 shares at 0.123 and 123.5 (not secrets)")
    text = _read_logs(tmp_path)["t.log"]
    assert "chat *** and chat_id=***&x=1 and group ***" in text
    assert "bought 41234 shares at 0.123 and 123.5 (not secrets)" in text


def test_a_long_secret_is_masked_even_inside_a_word() -> None:
    assert redact("url /bot7777777:AAtoken/send", ["7777777:AAtoken"]) == "url /bot***/send"
    assert redact("id 12345678x", ["12345678"]) == "id ***x"


def test_the_log_rotates_at_the_configured_size_and_keeps_the_configured_backups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradewind.cli.common import configure_logging
    from tradewind.config import validate_config

    monkeypatch.setenv("TELEGRAM_CHAT_ID", "123")  # a short secret, from the environment

    folder = tmp_path / "logs"
    cfg = validate_config(
        {"logging": {"path": str(folder / "trading.log"), "max_bytes": 10_000, "backup_count": 2}}
    )
    configure_logging(cfg, console_output=False)
    log = logging.getLogger("tradewind.rotation")
    for i in range(400):
        log.info("line %04d %s chat 123", i, "x" * 80)
    files = _read_logs(folder)
    assert all(" 123" not in t and "chat ***" in t for t in files.values())
    assert list(files) == ["trading.log", "trading.log.1", "trading.log.2"]
    assert all(0 < len(t.encode()) <= 10_000 for t in files.values())
    assert "line 0399" in files["trading.log"]
    lines = [line for t in files.values() for line in t.splitlines() if "line " in line]
    assert len(lines) < 400  # the oldest lines went with the third backup
    assert "line 0000" not in "".join(files.values())
