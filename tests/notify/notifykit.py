"""Loopback HTTP servers standing in for Discord and Telegram, speaking their documented wire
formats, plus helpers for the notification tests (imported by name, like ``servicekit``).

Each server records every request (path, query, headers, JSON body) and can be scripted to
answer the next requests with a 429, a 5xx, or a hang, as the real services do.

Sources of the behaviour imitated:

* Discord execute webhook: https://discord.com/developers/docs/resources/webhook#execute-webhook
  (``POST /webhooks/{id}/{token}``, ``?wait=true`` answers 200 with the message, 204 without;
  unknown webhook: 404 ``{"message": "Unknown Webhook", "code": 10015}``).
* Discord embed limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
  (title 256, description 4096, 25 fields, name 256, value 1024, footer 2048, 6000 in total,
  10 embeds, content 2000; over a limit: 400 ``{"message": "Invalid Form Body", "code": 50035}``).
* Discord rate limits: https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit
  (429 with JSON ``{"message", "retry_after": <seconds float>, "global"}`` and a
  ``Retry-After`` header).
* Telegram Bot API: https://core.telegram.org/bots/api#making-requests (``POST
  /bot<token>/<method>``, ``{"ok": true, "result"}`` / ``{"ok": false, "error_code",
  "description"}``), #sendmessage (text 1-4096 characters, ``parse_mode``), #html-style (the
  supported tags; unparsable HTML: 400 "Bad Request: can't parse entities"), #getupdates (long
  polling with ``offset`` and ``timeout``; 409 when another poller is active), and
  #responseparameters (429 with ``parameters.retry_after``). A wrong token gets 401
  "Unauthorized"; an unknown chat 400 "Bad Request: chat not found".
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DISCORD_ID = "112233445566778899"
DISCORD_TOKEN = "Xy9_k-" + "a" * 62  # 68 characters, the length real webhook tokens have
TELEGRAM_TOKEN = "123456789:AAHfake_Token-for-tests-0123456789abcdef"  # noqa: S105 - fake
TELEGRAM_CHAT = "987654321"
OTHER_CHAT = "555000111"


@dataclass
class Recorded:
    """One request a fake server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes
    body: Any
    at: float


@dataclass
class Script:
    """What the next requests get instead of the normal answer: ``("429", seconds)``,
    ``("500", None)``, ``("hang", seconds)``."""

    steps: list[tuple[str, float | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> tuple[str, float | None] | None:
        with self.lock:
            return self.steps.pop(0) if self.steps else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeService:
    """A loopback server; subclasses answer ``handle``."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script = Script()
        self.release = threading.Event()  # ends every hang early (teardown)
        self.down = False  # answer 503 to everything (an outage)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                parts = urlsplit(self.path)
                rec = Recorded(
                    "POST",
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    raw,
                    body,
                    time.monotonic(),
                )
                outer.requests.append(rec)
                status, headers, payload = outer.answer(rec)
                data = json.dumps(payload).encode() if payload is not None else b""
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    if data:
                        self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args: Any) -> None:
                return

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeService:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def answer(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        if self.down:
            return 503, {}, {"message": "service unavailable"}
        step = self.script.next()
        if step is not None:
            kind, value = step
            if kind == "hang":
                self.release.wait(value)
            elif kind == "429":
                return self.rate_limited(value or 1.0)
            elif kind == "500":
                return 500, {}, {"message": "internal error"}
        return self.handle(rec)

    def rate_limited(self, seconds: float) -> tuple[int, dict[str, str], Any]:
        raise NotImplementedError

    def handle(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        raise NotImplementedError

    def bodies(self) -> list[Any]:
        return [r.body for r in self.requests]


# --- Discord ------------------------------------------------------------------------------
class FakeDiscord(FakeService):
    """Discord's webhook endpoint under ``/api`` (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[Any] = []

    @property
    def api(self) -> str:
        return f"{self.base}/api"

    def rate_limited(self, seconds: float) -> tuple[int, dict[str, str], Any]:
        return (
            429,
            {"Retry-After": str(max(1, round(seconds)))},
            {"message": "You are being rate limited.", "retry_after": seconds, "global": False},
        )

    def handle(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        m = re.fullmatch(r"/api/webhooks/(\d+)/([\w-]+)", rec.path)
        if m is None or m[1] != DISCORD_ID or m[2] != DISCORD_TOKEN:
            return 404, {}, {"message": "Unknown Webhook", "code": 10015}
        problems = discord_problems(rec.body)
        if problems:
            return 400, {}, {"message": "Invalid Form Body", "code": 50035, "errors": problems}
        self.accepted.append(rec.body)
        if rec.query.get("wait") == ["true"]:
            return 200, {}, {"id": str(len(self.accepted)), **rec.body}
        return 204, {}, None


def discord_problems(body: Any) -> list[str]:
    """Every documented limit ``body`` breaks (empty when Discord would accept it)."""
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    out = []
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if not content and not embeds:
        out.append("empty message")
    if len(content) > 2000:
        out.append("content over 2000")
    if len(embeds) > 10:
        out.append("more than 10 embeds")
    total = 0
    for e in embeds:
        title, desc = e.get("title", ""), e.get("description", "")
        footer = (e.get("footer") or {}).get("text", "")
        fields = e.get("fields") or []
        if len(title) > 256 or len(desc) > 4096 or len(footer) > 2048 or len(fields) > 25:
            out.append("embed part over its limit")
        for f in fields:
            if len(f["name"]) > 256 or len(f["value"]) > 1024 or not f["value"]:
                out.append("field over its limit or empty")
            total += len(f["name"]) + len(f["value"])
        if not isinstance(e.get("color", 0), int):
            out.append("color is not an integer")
        total += len(title) + len(desc) + len(footer)
    if total > 6000:
        out.append("embeds over 6000 characters")
    return out


# --- Telegram -----------------------------------------------------------------------------
TELEGRAM_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}


class _TagCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.bad: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in TELEGRAM_TAGS:
            self.bad.append(f"unsupported tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.bad.append(f"unmatched </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def telegram_text(text: str, parse_mode: str | None) -> tuple[str, str | None]:
    """``(visible text, problem)`` of a message as Telegram parses it."""
    if parse_mode != "HTML":
        return text, None
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        return text, "can't parse entities: unescaped '&'"
    check = _TagCheck()
    check.feed(text)
    check.close()
    if check.bad or check.stack:
        return text, f"can't parse entities: {(check.bad or ['unclosed tag'])[0]}"
    return "".join(check.text), None


class FakeTelegram(FakeService):
    """The Bot API's sendMessage and getUpdates (see the module docstring)."""

    def __init__(self, *, max_poll: float = 0.3) -> None:
        super().__init__()
        self.sent: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.max_poll = max_poll
        self._next_update = 100
        self._lock = threading.Lock()

    def rate_limited(self, seconds: float) -> tuple[int, dict[str, str], Any]:
        return (
            429,
            {},
            {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {seconds:g}",
                "parameters": {"retry_after": seconds},
            },
        )

    def push_command(
        self, text: str, chat_id: str = TELEGRAM_CHAT, username: str = "owner"
    ) -> None:
        with self._lock:
            self._next_update += 1
            chat = int(chat_id)
            self.updates.append(
                {
                    "update_id": self._next_update,
                    "message": {
                        "message_id": self._next_update,
                        "date": int(time.time()),
                        "chat": {"id": chat, "type": "private"},
                        "from": {
                            "id": chat,
                            "is_bot": False,
                            "first_name": "T",
                            "username": username,
                        },
                        "text": text,
                        "entities": [
                            {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                        ],
                    },
                }
            )

    def handle(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", rec.path)
        if m is None or m[1] != TELEGRAM_TOKEN:
            return 401, {}, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method, body = m[2], rec.body or {}
        if method == "sendMessage":
            return self._send(body)
        if method == "getUpdates":
            return self._updates(body)
        return 404, {}, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _send(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if str(body.get("chat_id")) != TELEGRAM_CHAT:
            return (
                400,
                {},
                {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            )
        text = body.get("text") or ""
        visible, problem = telegram_text(text, body.get("parse_mode"))
        if problem:
            return (
                400,
                {},
                {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"},
            )
        if not 1 <= len(visible) <= 4096:
            return (
                400,
                {},
                {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
            )
        self.sent.append(body)
        return (
            200,
            {},
            {
                "ok": True,
                "result": {
                    "message_id": len(self.sent),
                    "text": visible,
                    "chat": {"id": int(TELEGRAM_CHAT)},
                },
            },
        )

    def _updates(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        offset = body.get("offset")
        deadline = time.monotonic() + min(float(body.get("timeout") or 0), self.max_poll)
        while True:
            with self._lock:
                if isinstance(offset, int):  # confirmed: forget them, as Telegram does
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                ready = list(self.updates)
            if ready or time.monotonic() >= deadline or self.release.is_set():
                return 200, {}, {"ok": True, "result": ready}
            time.sleep(0.02)


@contextmanager
def running(server: FakeService) -> Iterator[FakeService]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def webhook_url() -> str:
    """A DISCORD_WEBHOOK_URL of the documented shape (its host is replaced by api_base)."""
    return f"https://discord.com/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}"


def notify_env(discord: bool = True, telegram: bool = True) -> dict[str, str]:
    """Environment variables for the fake services' credentials."""
    env = {}
    if discord:
        env["DISCORD_WEBHOOK_URL"] = webhook_url()
    if telegram:
        env["TELEGRAM_BOT_TOKEN"] = TELEGRAM_TOKEN
        env["TELEGRAM_CHAT_ID"] = TELEGRAM_CHAT
    return env


def wait_for(predicate: Any, timeout: float = 10.0, every: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


# The service tests' helpers (``servicekit``) live beside them: make them importable here.
_SERVICE_TESTS = str(Path(__file__).resolve().parents[1] / "service")
if _SERVICE_TESTS not in sys.path:
    sys.path.insert(0, _SERVICE_TESTS)
