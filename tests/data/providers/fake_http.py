"""A loopback HTTP server for the provider tests: routes, a request log, scripted failures.

Each fake service (Yahoo, Alpaca, Webull, FRED, Finnhub) is a function ``handle(request) ->
Reply`` on top of this server; the tests read :attr:`FakeServer.requests` to see exactly what the
real client library sent (path, query, headers, body).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Request:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode() or "null")


@dataclass
class Reply:
    """What the server answers."""

    status: int = 200
    body: Any = None  # dict/list -> JSON, str/bytes as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json"


Failure = int | str
"""A scripted failure: an HTTP status (429, 500, 503...), ``timeout`` (answer after the client
gave up), ``garbage`` (200 with a body that is not JSON)."""


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 (a free port) calling ``handle`` for each request.

    ``fail(path_part, *failures)`` makes the next requests whose path contains ``path_part``
    fail in that order, before ``handle`` is asked again.
    """

    def __init__(self, handle: Callable[[Request], Reply], *, timeout_delay: float = 3.0) -> None:
        self.handle = handle
        self.requests: list[Request] = []
        self.timeout_delay = timeout_delay
        self._failures: list[tuple[str, Failure]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._serve(self, "GET")

            def do_POST(self) -> None:
                server._serve(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, path_part: str, *failures: Failure) -> None:
        with self._lock:
            self._failures.extend((path_part, f) for f in failures)

    def paths(self, part: str = "") -> list[Request]:
        """Requests whose path contains ``part``, in order."""
        return [r for r in self.requests if part in r.path]

    def _next_failure(self, path: str) -> Failure | None:
        with self._lock:
            for i, (part, failure) in enumerate(self._failures):
                if part in path:
                    del self._failures[i]
                    return failure
        return None

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        request = Request(method, unquote(parts.path), query, dict(h.headers), body)
        with self._lock:
            self.requests.append(request)
        failure = self._next_failure(parts.path)
        if failure == "timeout":
            reply = Reply(200, {"late": True}, delay=self.timeout_delay)
        elif failure == "garbage":
            reply = Reply(200, "<html><body>Will be right back...</body></html>")
        elif isinstance(failure, int):
            reply = Reply(failure, {"message": f"scripted HTTP {failure}"})
        else:
            reply = self.handle(request)
        if reply.delay:
            time.sleep(reply.delay)
        data, content_type = reply.encoded()
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(data)))
            for k, v in reply.headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            pass
