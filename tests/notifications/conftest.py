"""A real SMTP server on loopback (aiosmtpd) that can refuse the first messages, then accept."""

import asyncio
import socket

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FlakyMailServer:
    """Answers 451 (try again later) to the first ``failures`` messages, then accepts and keeps them."""

    def __init__(self):
        self.failures = 0
        self.delay = 0.0
        self.refused = 0
        self.messages: list = []
        # Called with the envelope once a message is kept, before the server answers 250: a test
        # can kill the sending worker here (the message is on the server; the sender never learns it).
        self.on_accept = None

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures > 0:
            self.failures -= 1
            self.refused += 1
            return "451 4.3.0 Mail server temporarily unavailable"
        self.messages.append(envelope)
        if self.on_accept is not None:
            self.on_accept(envelope)
        return "250 OK"

    def message_ids(self) -> list[str]:
        ids = []
        for envelope in self.messages:
            for line in envelope.content.decode().splitlines():
                if line.lower().startswith("message-id:"):
                    ids.append(line.split(":", 1)[1].strip())
        return ids


@pytest.fixture
def smtp_server(settings):
    """The running server; Django's SMTP backend is pointed at it. ``.port`` for other processes."""
    handler = FlakyMailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield handler
    finally:
        controller.stop()
