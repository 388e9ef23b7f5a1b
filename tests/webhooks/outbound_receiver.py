"""A real HTTP receiver on loopback for the outbound tests: a threaded server whose answers a test
scripts, which checks every signature with the ``standardwebhooks`` package and keeps a log."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    """One request as the receiver saw it, and what it answered."""

    webhook_id: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int = 0
    error: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds before answering (a slow receiver)


Script = Callable[["Received", int], Answer]  # (request, how many times this id came) → answer


def always(status: int = 200, **headers: str) -> Script:
    return lambda _r, _n: Answer(status, dict(headers))


class Receiver:
    """``Receiver(script, secret=...)``; ``url`` to subscribe; ``close()`` when done."""

    def __init__(self, script: Script | None = None, *, port: int = 0) -> None:
        self.script: Script = script or always(200)
        self.secret: str | None = None
        self.log: list[Received] = []
        self.cut_short = 0  # requests whose sender vanished before the body was complete
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self._seen: dict[str, int] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sync"

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # ── what the tests read ──────────────────────────────────────────────────────────────────
    def successes(self) -> list[Received]:
        with self.lock:
            return [r for r in self.log if 200 <= r.status < 300]

    def all(self) -> list[Received]:
        with self.lock:
            return list(self.log)

    def _receive(self, headers: dict[str, str], body: bytes) -> tuple[Received, Answer]:
        webhook_id = headers.get("webhook-id", "")
        verified, error = False, None
        if self.secret:
            try:
                Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError as exc:
                error = str(exc)
        rec = Received(webhook_id, headers, body, verified, error=error)
        with self.lock:
            self._seen[webhook_id] = self._seen.get(webhook_id, 0) + 1
            count = self._seen[webhook_id]
        answer = self.script(rec, count) if verified or not self.secret else Answer(401)
        rec.status = answer.status
        if answer.delay and self.closing.wait(answer.delay):
            rec.status = 0  # closed before answering
        with self.lock:
            self.log.append(rec)
        return rec, answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length)
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    if len(body) < length:  # the sender died mid-request (a killed worker)
                        receiver.cut_short += 1
                        self.close_connection = True
                        return
                    _rec, answer = receiver._receive(headers, body)
                    self.send_response(answer.status)
                    for k, v in answer.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:  # the dispatcher gave up waiting (timeout): nothing to answer
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
