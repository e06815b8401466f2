"""/healthz for the load balancer: 200 when the database answers, 503 when it cannot be reached."""

import socket

import pytest
from django.db import OperationalError, connections
from django.db.utils import load_backend


def closed_port() -> int:
    """A port on loopback that nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_database(tmp_path):
    """Swap the default connection for one whose server really cannot be reached.

    PostgreSQL: the same settings on a closed port. SQLite: a file in a directory that does not
    exist (the driver cannot open it). Nothing is mocked: the driver's own connect fails.
    """
    real = connections["default"]
    broken_settings = {**real.settings_dict}
    if real.vendor == "postgresql":
        broken_settings.update(HOST="127.0.0.1", PORT=str(closed_port()), OPTIONS={"connect_timeout": 2})
    else:
        broken_settings["NAME"] = str(tmp_path / "no-such-dir" / "db.sqlite3")
    broken = load_backend(broken_settings["ENGINE"]).DatabaseWrapper(broken_settings, alias="default")
    connections["default"] = broken
    try:
        yield broken
    finally:
        broken.close()
        connections["default"] = real


@pytest.mark.django_db
def test_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db  # database access allowed: what fails must be the connection itself
def test_503_when_the_database_is_unreachable(client, unreachable_database):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    # The failure is the driver's own: connecting really does not work.
    with pytest.raises(OperationalError):
        unreachable_database.ensure_connection()


@pytest.mark.django_db
def test_only_get(client):
    assert client.post("/healthz").status_code == 405
