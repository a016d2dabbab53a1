"""Live smoke tests: a real test message to your Discord webhook and your Telegram chat.

Skipped unless ``TRADEWIND_LIVE_NOTIFY=1`` and the channel's variables are set in the
environment (``DISCORD_WEBHOOK_URL``; ``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_CHAT_ID``), so a
developer who merely exported a webhook does not get a message on every ``make test``::

    TRADEWIND_LIVE_NOTIFY=1 DISCORD_WEBHOOK_URL=... \\
        .venv/bin/pytest -n 0 tests/notify/test_live_smoke.py

The message is sent by ``tradewind notify test`` in a subprocess (the test session itself may
only reach 127.0.0.1), exactly as a user would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

LIVE = os.environ.get("TRADEWIND_LIVE_NOTIFY") == "1"
VARIABLES = {
    "discord": ("DISCORD_WEBHOOK_URL",),
    "telegram": ("TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"),
}


@pytest.mark.parametrize("channel", sorted(VARIABLES))
def test_a_real_test_message_is_accepted(channel: str, tmp_path: Path) -> None:
    missing = [v for v in VARIABLES[channel] if not os.environ.get(v)]
    if not LIVE or missing:
        pytest.skip(
            f"live {channel} smoke test: set TRADEWIND_LIVE_NOTIFY=1 and "
            f"{', '.join(VARIABLES[channel])}"
        )
    config = tmp_path / "live.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "logging": {"path": str(tmp_path / "trading.log")},
                "notifications": {channel: {"enabled": True}},
            }
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "tradewind"),
            "notify",
            "test",
            "--channel",
            channel,
            "-c",
            str(config),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (result,) = json.loads(done.stdout)["channels"]
    assert result["ok"] is True and result["channel"] == channel
    for v in VARIABLES[channel]:
        assert os.environ[v] not in done.stdout + done.stderr
