"""Telegram commands from the configured chat: ``/status``, ``/positions``, ``/regime``,
``/daily`` and ``/halt``.

Only messages whose ``chat.id`` is ``TELEGRAM_CHAT_ID`` are answered; anything else is ignored
without a reply (a stranger learns nothing, not even that the bot listens) and logged. ``/halt``
latches an emergency halt exactly like a breaker would: no new risk until a person runs
``tradewind resume --confirm --reason "..."`` on the machine. There is no ``/resume``: resuming
stays a deliberate local act.

The confirmed ``update_id`` is kept in the store (``notify.telegram.offset``), so a restart
neither loses a command sent meanwhile nor answers one twice; a command handled just before a
crash, whose confirmation was lost, is handled again (``/halt`` is idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from tradewind.notify.channel import DeliveryError, clean
from tradewind.notify.compose import fields_notice
from tradewind.notify.notice import Notice
from tradewind.notify.telegram import TelegramApi, TelegramChannel

log = logging.getLogger("tradewind.notify")

OFFSET_KEY = "notify.telegram.offset"
COMMANDS = ("status", "positions", "regime", "daily", "halt")
HELP = (
    "/status: running, equity, last cycle, halts\n"
    "/positions: positions at the last cycle\n"
    "/regime: the market regime and its policy\n"
    "/daily: today's P&L against the S&P 500, trades, costs\n"
    "/halt [reason]: emergency stop (latches; resume only on the machine with "
    'tradewind resume --confirm --reason "...")'
)


class CommandBackend(Protocol):
    """What the commands read and do (implemented over the store by the service)."""

    def status(self) -> Notice:
        """The answer to /status."""
        ...

    def positions(self) -> Notice:
        """The answer to /positions."""
        ...

    def regime(self) -> Notice:
        """The answer to /regime."""
        ...

    def daily(self) -> Notice:
        """The answer to /daily."""
        ...

    def halt(self, who: str, reason: str) -> Notice:
        """Latch an emergency halt; the answer to /halt."""
        ...


class StateStore(Protocol):
    """Where the confirmed update offset is kept (the store's small JSON state)."""

    def load_state(self, key: str) -> Mapping[str, Any] | None:
        """The JSON kept under ``key``."""
        ...

    def save_state(self, key: str, value: dict[str, Any]) -> None:
        """Replace the JSON kept under ``key``."""
        ...


class TelegramCommands:
    """Long-polls the bot for commands and answers them (module docstring).

    Parameters
    ----------
    api
        The bot's API client.
    chat_id
        The only chat whose commands are obeyed (``TELEGRAM_CHAT_ID``).
    backend
        What the commands read and do.
    state
        Where the confirmed update offset is kept.
    wait
        Long-polling wait in seconds (``notifications.telegram.poll_seconds``).
    secrets
        Values masked in every answer.
    stopped
        Tells a poll that returns after shutdown began to leave its updates unconfirmed.
    """

    def __init__(
        self,
        api: TelegramApi,
        chat_id: str,
        backend: CommandBackend,
        state: StateStore,
        *,
        wait: int,
        secrets: Sequence[str] = (),
        stopped: Callable[[], bool] = lambda: False,
    ) -> None:
        self.api = api
        self.chat_id = chat_id.strip()
        self.backend = backend
        self.state = state
        self.wait = wait
        self._secrets = tuple(secrets)
        self._stopped = stopped
        self.ignored = 0
        self.handled: list[str] = []

    def poll_once(self) -> float:
        """One long poll; handle what came. Returns seconds to wait before the next poll."""
        try:
            updates = self.api.get_updates(self._offset(), self.wait)
        except DeliveryError as exc:
            log.warning("telegram commands: getUpdates failed: %s", clean(str(exc), self._secrets))
            return exc.retry_after if exc.retry_after is not None else 5.0
        for update in updates:
            if self._stopped():
                return 0.0  # left unconfirmed: the next poller gets them again
            self.handle(update)
            update_id = update.get("update_id")
            if isinstance(update_id, int):
                self.state.save_state(OFFSET_KEY, {"offset": update_id + 1})
        return 0.0

    def handle(self, update: Mapping[str, Any]) -> str | None:
        """Answer one update; the command handled, or None (ignored)."""
        message = update.get("message")
        if not isinstance(message, dict):
            return None
        text = message.get("text")
        chat = message.get("chat") or {}
        if not isinstance(text, str) or not text.startswith("/"):
            return None
        command, _, args = text[1:].partition(" ")
        command = command.split("@", 1)[0].lower()
        if str(chat.get("id")) != self.chat_id:
            self.ignored += 1
            log.warning(
                "telegram: ignored /%s from chat %s (only TELEGRAM_CHAT_ID may command)",
                command[:32],
                chat.get("id"),
            )
            return None
        self.handled.append(command)
        self._reply(self._answer(command, args.strip(), message))
        return command

    def _answer(self, command: str, args: str, message: Mapping[str, Any]) -> Notice:
        try:
            if command == "status":
                return self.backend.status()
            if command == "positions":
                return self.backend.positions()
            if command == "regime":
                return self.backend.regime()
            if command == "daily":
                return self.backend.daily()
            if command == "halt":
                reason = args or "emergency stop from Telegram"
                return self.backend.halt(_who(message), reason)
        except Exception as exc:  # a command never takes the poller down
            log.exception("telegram: /%s failed", command)
            return fields_notice(
                "command",
                f"❗ /{command} failed",
                (),
                f"{type(exc).__name__}: {exc}",
                severity="error",
            )
        if command == "resume":
            text = (
                "Resuming is a deliberate local act: review the halt, then run on the machine "
                'tradewind resume --confirm --reason "..."'
            )
            return fields_notice("command", "Resume stays local", (), text)
        return fields_notice("command", "tradewind commands", (), HELP)

    def _reply(self, notice: Notice) -> None:
        try:
            TelegramChannel(self.api, self.chat_id, secrets=self._secrets).send(
                [notice], silent=False
            )
        except DeliveryError as exc:
            log.warning("telegram: could not answer: %s", clean(str(exc), self._secrets))

    def _offset(self) -> int | None:
        saved = self.state.load_state(OFFSET_KEY) or {}
        offset = saved.get("offset")
        return offset if isinstance(offset, int) else None


def _who(message: Mapping[str, Any]) -> str:
    """``telegram:@username`` (or the sender's first name and id) for the halt record."""
    sender = message.get("from") or {}
    if sender.get("username"):
        return f"telegram:@{sender['username']}"
    name = sender.get("first_name") or "user"
    return f"telegram:{name} ({sender.get('id', '?')})"
