"""A loopback HTTP server for fake brokers: routing, JSON replies, queued faults, restarts.

Each fake (``fake_alpaca_broker.py``, ``fake_webull_broker.py``) gives a ``route(method, path,
query, headers, body) -> (status, headers, body)`` function; this module serves it on 127.0.0.1,
applies the exchange's queued faults, and can stop (closing kept-alive connections, as in an
outage) and start again on the same port (reconnects).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from exchange import Exchange

Reply = tuple[int, dict[str, str], Any]
Route = Callable[[str, str, dict[str, str], dict[str, str], bytes], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def setup(self) -> None:
        super().setup()
        self.server.fake.conns.add(self.connection)

    def finish(self) -> None:
        self.server.fake.conns.discard(self.connection)
        super().finish()

    def _serve(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        fault = fake.exchange.take_fault(self.command, parts.path)
        kind = fault.kind if fault is not None else ""
        if fault is not None and kind == "429":
            retry = {"Retry-After": f"{fault.retry_after:g}"}
            self._send(429, retry, b'{"message":"rate limit exceeded"}')
            return
        if kind == "500":
            self._send(500, {}, b'{"message":"internal server error"}')
            return
        status, extra, payload = fake.route(self.command, parts.path, query, headers, body)
        if fault is not None and kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and kind == "hook" and fault.hook is not None:
            fault.hook()
        if kind == "malformed":
            self._send(200, {}, b"{not json")
            return
        self._send(status, extra, b"" if payload is None else json.dumps(payload).encode())

    def _send(self, status: int, extra: dict[str, str], data: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    do_GET = do_POST = do_DELETE = do_PATCH = _serve  # noqa: N815


class FakeServer:
    """Serve ``route`` for ``exchange`` on 127.0.0.1 (a random port, kept across restarts)."""

    def __init__(self, exchange: Exchange, route: Route) -> None:
        self.exchange = exchange
        self.route = route
        self.port = 0
        self.conns: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (again) on the same port."""
        httpd = _Server(("127.0.0.1", self.port), _Handler)
        httpd.fake = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening and drop open connections (clients then meet refused connections)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        for conn in list(self.conns):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.conns.clear()
