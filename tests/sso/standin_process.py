"""The stand-in portal as a real process on a free loopback port, for end-to-end tests.

It runs exactly as ``make run`` starts it (``python -m sso.standin serve``), with its own
SQLite file and key in a temporary directory and the test's live server registered as the
client. Tests add their own accounts with ``portal.add_accounts([...])``.
"""

import itertools
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from sso.providers import ProviderPreset, standin

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "campus-e2e"
CLIENT_SECRET = "e2e-secret-not-the-demo-one"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StandinPortal:
    url: str
    var_dir: Path
    env: dict[str, str]
    process: subprocess.Popen
    _files: itertools.count = field(default_factory=itertools.count)

    @property
    def preset(self) -> ProviderPreset:
        return standin(self.url)

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "sso.standin", *args], cwd=ROOT, env=self.env, check=True, capture_output=True
        )

    def add_accounts(self, accounts: list[dict[str, Any]]) -> None:
        path = self.var_dir / f"accounts-{next(self._files)}.json"
        path.write_text(json.dumps(accounts, ensure_ascii=False), encoding="utf-8")
        self.manage("load_accounts", str(path))

    def log(self) -> str:
        return (self.var_dir / "portal.log").read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_standin(var_dir: Path, *, app_url: str, timeout: float = 90) -> StandinPortal:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "STANDIN_PORTAL_ENABLED": "1",
        "STANDIN_PORTAL_URL": url,
        "STANDIN_VAR_DIR": str(var_dir),
        "STANDIN_APP_URLS": app_url,
        "STANDIN_CLIENT_ID": CLIENT_ID,
        "STANDIN_CLIENT_SECRET": CLIENT_SECRET,
        "STANDIN_ACCOUNTS_FILE": str(var_dir / "no-demo-accounts.json"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (var_dir / "portal.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "sso.standin", "serve", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    portal = StandinPortal(url=url, var_dir=var_dir, env=env, process=process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the stand-in portal exited:\n{portal.log()}")
        try:
            if requests.get(f"{url}/o/.well-known/openid-configuration", timeout=2).status_code == 200:
                return portal
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    portal.stop()
    raise RuntimeError(f"the stand-in portal did not start in {timeout} s:\n{portal.log()}")
