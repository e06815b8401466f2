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
    """Answers 451 (try again later) to the first ``failures`` messages and to any for an address in
    ``refuse_to``, then accepts and keeps them. ``peers`` has the client's address of every message (accepted
    or not): one per connection."""

    def __init__(self):
        self.failures = 0
        self.refuse_to: set[str] = set()
        self.delay = 0.0
        self.refused = 0
        self.messages: list = []
        self.peers: list = []
        # Called with the envelope once a message is kept, before the server answers 250: a test
        # can kill the sending worker here (the message is on the server; the sender never learns it).
        self.on_accept = None

    async def handle_DATA(self, server, session, envelope):
        self.peers.append(session.peer)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures > 0 or self.refuse_to & set(envelope.rcpt_tos):
            self.failures = max(self.failures - 1, 0)
            self.refused += 1
            return "451 4.3.0 Mail server temporarily unavailable"
        self.messages.append(envelope)
        if self.on_accept is not None:
            self.on_accept(envelope)
        return "250 OK"

    def connections(self) -> int:
        return len(set(self.peers))

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


class PushService:
    """A push service on loopback, over HTTPS with a certificate made for the test: it records every request
    (path, headers, body) and answers each path with the status the test sets (201 by default)."""

    def __init__(self, port: int):
        self.port = port
        self.requests: list[dict] = []
        self.status: dict[str, int] = {}

    def endpoint(self, name: str) -> str:
        return f"https://127.0.0.1:{self.port}/push/{name}"

    def received(self, name: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == f"/push/{name}"]


def _certificate(directory):
    """A self-signed certificate for 127.0.0.1 (cryptography), and its key: files in ``directory``."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test push service")])
    # OpenSSL checks validity against the machine's real clock, whatever time a test travels to.
    now = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=365 * 99))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "push.pem", directory / "push.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def push_service(tmp_path, monkeypatch, settings):
    """The running push service; requests (which pywebpush sends with) trusts its certificate, and Web Push is
    configured with a fresh VAPID key pair and the service's host among the accepted endpoints."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from py_vapid import Vapid02

    from notifications.push import b64url

    cert_path, key_path = _certificate(tmp_path)
    service = PushService(0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            service.requests.append({"path": self.path, "headers": dict(self.headers.items()),
                                     "body": self.rfile.read(length)})
            code = service.status.get(self.path.rsplit("/", 1)[-1], 201)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    service.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))

    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    vapid = Vapid02()
    vapid.generate_keys()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
    settings.WEBPUSH_VAPID_PUBLIC_KEY = b64url(
        vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:push-test@example.test"
    settings.WEBPUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


class Browser:
    """What a browser keeps for its subscription: a P-256 key pair and a 16-byte auth secret (RFC 8291)."""

    def __init__(self):
        import os

        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        from notifications.push import b64url

        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.p256dh = b64url(self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
        self.auth = b64url(self.auth_secret)

    def subscription(self, endpoint: str) -> dict:
        """As ``PushSubscription.toJSON()`` gives it."""
        return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, body: bytes) -> bytes:
        import http_ece

        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")


@pytest.fixture
def browser_keys():
    return Browser()
