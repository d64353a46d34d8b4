"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the notification tests."""
from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SinkHandler:
    """Stores every accepted message (thread-safe)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        """Accept and keep the message."""
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


class SmtpSink:
    """Start/stop an aiosmtpd server on 127.0.0.1:<port>."""

    def __init__(self):
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        """(recipients, parsed message) pairs received so far."""
        with self.handler.lock:
            return list(self.handler.messages)

    def start(self):
        """Listen."""
        self.controller.start()
        return self

    def stop(self):
        """Stop listening."""
        self.controller.stop()
