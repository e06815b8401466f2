"""The deployment kit parses: the nginx site with `nginx -t`, the systemd units with `systemd-analyze
verify` (where systemd is available), the backup and restore scripts with bash; the backup and restore
drill of docs/deploy.md runs against PostgreSQL."""

import os
import shutil
import subprocess

import pytest
from django.db import connection

from tests.deploy.kit import DEPLOY, ROOT, free_port, nginx_binary, nginx_unavailable_reason, render_nginx

UNITS = sorted((DEPLOY / "systemd").iterdir())


def test_the_nginx_site_passes_nginx_t(tmp_path):
    reason = nginx_unavailable_reason()
    if reason:
        pytest.skip(reason)
    static = tmp_path / "static"
    static.mkdir()
    conf = render_nginx(tmp_path, http_port=free_port(), https_port=free_port(), app_port=free_port(),
                        static_root=static)
    result = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    # ... and a broken file would not pass (the check can fail).
    (tmp_path / "campus.conf").write_text((tmp_path / "campus.conf").read_text() + "\nserver { listen nowhere }\n")
    broken = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf)],
                            capture_output=True, text=True, timeout=60)
    assert broken.returncode != 0


def test_the_nginx_site_sets_what_the_app_relies_on():
    site = (DEPLOY / "nginx" / "campus.conf").read_text(encoding="utf-8")
    for directive in (
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-ID $request_id;",
        "proxy_set_header Host $host;",
        "client_max_body_size",
        "ssl_certificate ",
        "location /static/",
    ):
        assert directive in site, directive


def rendered_units(directory) -> list:
    """The units with the kit's install paths pointed at this checkout, so ExecStart exists here."""
    out = []
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8").replace("/srv/campus/app", str(ROOT))
        target = directory / unit.name
        target.write_text(text, encoding="utf-8")
        out.append(target)
    return out


def test_the_systemd_units_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    assert {u.name for u in UNITS} >= {"campus-web.service", "campus-worker.service", "campus-beat.service"}
    for unit in UNITS:
        if unit.suffix == ".service":
            text = unit.read_text(encoding="utf-8")
            assert "EnvironmentFile=/etc/campus/campus.env" in text, unit.name  # one environment file for all
    units = rendered_units(tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    # systemd-analyze reports unknown keys and values on stderr but still exits 0: both must be clean.
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
    # ... and it does object to a unit that cannot run.
    broken = tmp_path / "campus-web.service"
    broken.write_text(broken.read_text().replace("Type=notify", "Type=notifyy"))
    complaint = subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True, text=True,
                               timeout=120, cwd=tmp_path)
    assert "notifyy" in complaint.stderr


@pytest.mark.parametrize("script", ["campus-backup.sh", "campus-restore.sh"])
def test_the_backup_scripts_parse(script):
    path = DEPLOY / "backup" / script
    assert os.access(path, os.X_OK)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True, timeout=30).returncode == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_drill(tmp_path):
    """docs/deploy.md's drill: back up, restore into a scratch database, find the same rows there."""
    if connection.vendor != "postgresql" or shutil.which("pg_dump") is None:
        pytest.skip("needs PostgreSQL and its client tools (pg_dump, pg_restore); CI has both")
    from tests.celery_worker import _database_url
    from tests.factories import make_standing_school

    make_standing_school()
    source = _database_url()
    scratch_name = f"{connection.settings_dict['NAME']}_restore"
    admin = source.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{scratch_name}"'], check=True, timeout=60)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{scratch_name}"'], check=True, timeout=60)
    try:
        env = {**os.environ, "DATABASE_URL": source, "BACKUP_DIR": str(tmp_path)}
        backup = subprocess.run([str(DEPLOY / "backup" / "campus-backup.sh")], env=env, capture_output=True,
                                text=True, timeout=300)
        assert backup.returncode == 0, backup.stderr
        (dump,) = tmp_path.glob("campus-*.dump")
        scratch = source.rsplit("/", 1)[0] + f"/{scratch_name}"
        restore = subprocess.run([str(DEPLOY / "backup" / "campus-restore.sh"), str(dump)],
                                 env={**os.environ, "TARGET_DATABASE_URL": scratch}, capture_output=True, text=True,
                                 timeout=300)
        assert restore.returncode == 0, restore.stderr

        def count(url: str, table: str) -> str:
            return subprocess.run(["psql", url, "-tAc", f"SELECT count(*) FROM {table}"], capture_output=True,
                                  text=True, check=True, timeout=60).stdout.strip()

        for table in ("staff_staffmember", "staff_school", "django_migrations"):
            assert count(scratch, table) == count(source, table) != "0"
    finally:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{scratch_name}"'], timeout=60)
