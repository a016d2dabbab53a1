"""Credentials, read only from the environment or ``.env``; never from YAML, never printed."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_ENV_NAMES: tuple[str, ...] = (
    "WEBULL_EMAIL",
    "WEBULL_PASSWORD",
    "WEBULL_APP_KEY",
    "WEBULL_APP_SECRET",
    "WEBULL_ACCOUNT_ID",
    "WEBULL_TRADE_PIN",
    "ALPACA_API_KEY",
    "ALPACA_SECRET_KEY",
    "DISCORD_WEBHOOK_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_CHAT_ID",
    "FRED_API_KEY",
    "FINNHUB_API_KEY",
)


class Secrets(BaseSettings):
    """Every credential tradewind may use. Values are ``SecretStr``: ``str()`` shows ``**********``.

    Precedence: process environment first, then the ``.env`` file.
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    webull_email: SecretStr | None = None
    webull_password: SecretStr | None = None
    webull_app_key: SecretStr | None = None
    webull_app_secret: SecretStr | None = None
    webull_account_id: SecretStr | None = None
    webull_trade_pin: SecretStr | None = None
    webull_paper_trading: bool = True
    alpaca_api_key: SecretStr | None = None
    alpaca_secret_key: SecretStr | None = None
    discord_webhook_url: SecretStr | None = None
    telegram_bot_token: SecretStr | None = None
    telegram_chat_id: SecretStr | None = None
    fred_api_key: SecretStr | None = None
    finnhub_api_key: SecretStr | None = None

    def values(self) -> list[str]:
        """All non-empty secret values, for the log redactor. Never print this."""
        out: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                out.append(value.get_secret_value())
        return out

    def present(self) -> dict[str, bool]:
        """Which credentials are set, by environment variable name (safe to display)."""
        out: dict[str, bool] = {}
        for name in type(self).model_fields:
            if name == "webull_paper_trading":
                continue
            value = getattr(self, name)
            out[name.upper()] = isinstance(value, SecretStr) and bool(value.get_secret_value())
        return out


def load_secrets(env_file: str | Path | None = ".env") -> Secrets:
    """Read credentials from the environment and ``env_file`` (missing file is fine)."""
    return Secrets(_env_file=env_file)
