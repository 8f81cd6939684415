"""Local servers on loopback for the channel tests: an SMTP sink (aiosmtpd) and an HTTP
server that records requests (stands in for LINE and for a webhook receiver)."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        with self.lock:
            self.messages.append(
                {
                    "to": list(envelope.rcpt_tos),
                    "raw": envelope.original_content or envelope.content,
                    "message": message_from_bytes(
                        envelope.original_content or envelope.content, policy=policy.default
                    ),
                }
            )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """Send e-mail for real, over SMTP, to a sink on a random loopback port."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    try:
        yield sink
    finally:
        controller.stop()


class RecordingHTTPServer:
    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.on_request = None  # optional callable(request dict) -> status
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                request = {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                recorder.requests.append(request)
                status = recorder.on_request(request) if recorder.on_request else recorder.status
                payload = json.dumps({"ok": status < 300}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_server():
    with RecordingHTTPServer() as server:
        yield server
