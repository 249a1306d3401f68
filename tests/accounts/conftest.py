"""Real transports for the activation tests: an SMTP server (aiosmtpd) and an HTTP sink for SMS."""
from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on a loopback port; ``.messages`` are the e-mails it received."""
    from email import message_from_bytes
    from email.policy import default

    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            self.messages.append(message_from_bytes(envelope.content, policy=default))
            return "250 OK"

    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    old = app.config.get("MAIL_SERVER"), app.config.get("MAIL_PORT")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield handler
    app.config.update(MAIL_SERVER=old[0], MAIL_PORT=old[1])
    controller.stop()


@pytest.fixture
def sms_sink(app):
    """A local HTTP server standing in for the SMS gateway; ``.posts`` are the JSON bodies."""
    posts = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            length = int(self.headers.get("Content-Length", 0))
            posts.append({"body": json.loads(self.rfile.read(length)), "auth": self.headers.get("Authorization")})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(SMS_GATEWAY_URL=f"http://127.0.0.1:{server.server_port}/send", SMS_GATEWAY_TOKEN="gw-token")
    sink = type("Sink", (), {"posts": posts})()
    yield sink
    app.config.update(SMS_GATEWAY_URL=None, SMS_GATEWAY_TOKEN=None)
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_limited_app(database_url, tmp_path):
    """Another application on the suite's database with rate limits on (Test turns them off)."""
    from core.app import create_app
    from core.extensions import db as _db
    from core.extensions import limiter
    made = []
    enabled = limiter.enabled

    def _make(**overrides):
        application = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, INSTANCE_DIR=str(tmp_path),
                                 UPLOAD_DIR=str(tmp_path / "uploads"), RATELIMIT_ENABLED=True,
                                 RATELIMIT_STORAGE_URI="memory://", **overrides)
        made.append(application)
        limiter.reset()
        return application
    yield _make
    for application in made:
        with application.app_context():
            _db.session.remove()
            _db.engine.dispose()
    limiter.enabled = enabled
