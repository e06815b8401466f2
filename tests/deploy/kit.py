"""The deployment kit (deploy/) made runnable on loopback for tests: the nginx site with test ports,
paths and a throw-away certificate, and the documented production environment for gunicorn."""

import os
import re
import secrets
import shutil
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE = "attendance.example.kh.edu.tw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_unavailable_reason() -> str | None:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "needs Debian's nginx (`make test` installs it)"
    return None


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={SITE}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def render_nginx(directory: Path, *, http_port: int, https_port: int, app_port: int, static_root: Path) -> Path:
    """deploy/nginx/campus.conf with the test's ports and paths, inside a minimal nginx.conf.

    Only what a site file leaves to its machine changes: the listening sockets (loopback, free
    ports), the certificate, the upstream's port, the static directory and the log files.
    """
    cert, key = self_signed_certificate(directory)
    site = (DEPLOY / "nginx" / "campus.conf").read_text(encoding="utf-8")
    replacements = [
        (r"^\s*listen \[::\]:\d+.*;\n", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"/etc/ssl/campus/fullchain\.pem", str(cert)),
        (r"/etc/ssl/campus/privkey\.pem", str(key)),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
        (r"/srv/campus/app/staticfiles/", f"{static_root}/"),
        (r"/var/log/nginx/", f"{directory}/"),
    ]
    for pattern, value in replacements:
        site, count = re.subn(pattern, value, site, flags=re.M)
        assert count, f"deploy/nginx/campus.conf no longer has {pattern!r}"
    (directory / "campus.conf").write_text(site, encoding="utf-8")
    user = "user root;" if os.geteuid() == 0 else ""
    temp_kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"    {name}_temp_path {directory}/{name};" for name in temp_kinds)
    main = f"""{user}
worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/nginx.error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temp}
    include {directory}/campus.conf;
}}
"""
    conf = directory / "nginx.conf"
    conf.write_text(main, encoding="utf-8")
    return conf


def production_env(**overrides: str) -> dict[str, str]:
    """The environment .env.example documents (its KEY=value lines), with a real key; ``overrides``
    point the machine-specific parts (database, cache, broker, mail, paths) at the test's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DEBUG"))}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            env[match.group(1)] = match.group(2).strip('"')
    env.update({"SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_SETTINGS_MODULE": "config.settings"})
    env.update(overrides)
    return env
