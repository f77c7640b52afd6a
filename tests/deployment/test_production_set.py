"""``scripts/production`` (what ``make production`` runs) starts gunicorn, a Celery worker and
Celery beat under honcho on the test database and Redis; ``/health/`` turns 200 once the
worker's first heartbeat arrives, and the pages and static files are served with DEBUG off."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.deployment.conftest import clean_environment, http_get, require_postgresql
from tests.worker.conftest import shared_database_url
from tests.worker.redis_server import free_port

# How long the release steps (checks, migrations, translations, static files) and the start may
# take on a loaded machine before the test gives up; the test does not measure it.
READY_SECONDS = 180
STOP_SECONDS = 30


def process_identity(pid: int) -> tuple[int, int] | None:
    """A process's parent and start time (so that a pid used again is not taken for it)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def descendants(pid: int) -> dict[int, int]:
    """The processes started, directly or not, by ``pid``, with their start times."""
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (identity := process_identity(int(entry.name))):
            parent, started_at = identity
            children.setdefault(parent, []).append((int(entry.name), started_at))
    found: dict[int, int] = {}
    pending = [pid]
    while pending:
        for child, started_at in children.get(pending.pop(), []):
            found[child] = started_at
            pending.append(child)
    return found


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to honcho, which stops its three processes; then SIGKILL to any of them left.

    honcho starts each process in a session of its own, through a shell: the processes are
    noted before the signal, while they are still honcho's descendants.
    """
    started = descendants(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
    for pid, started_at in started.items():
        identity = process_identity(pid)
        if identity is not None and identity[1] == started_at:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_the_production_set_starts_and_answers_health(transactional_db, tmp_path):
    # given
    require_postgresql()
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the production set needs Redis (CI sets it)")
    port = free_port()
    environment = clean_environment(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=shared_database_url(),
        DATABASE_CONN_MAX_AGE="0",
        REDIS_URL=redis_url,
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        BOUCLE_BEAT_SCHEDULE_FILE=str(tmp_path / "celerybeat-schedule"),
        BOUCLE_HEARTBEAT_SECONDS="1",
        WEB_CONCURRENCY="1",
        BOUCLE_WORKER_CONCURRENCY="1",
        PORT=str(port),
    )
    log_path = tmp_path / "production.log"

    # when
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["scripts/production"],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        health = None
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = http_get(port, "/health/")
            except OSError:
                health = None
            if health is not None and health.status == 200:
                break
            time.sleep(0.5)
        # Behind the reverse proxy, which says the request came over HTTPS.
        proxied = {"X-Forwarded-Proto": "https"}
        login = http_get(port, "/accounts/login/", headers=proxied)
        stylesheet = re.search(r'href="(/static/css/[^"]+\.css)"', login.text)
        css = http_get(port, stylesheet.group(1), headers=proxied)
        plain_page = http_get(port, "/accounts/login/")
    finally:
        stop(process)
    output = log_path.read_text(errors="replace")

    # then
    assert health is not None, output
    assert health.status == 200, output
    assert json.loads(health.text) == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "worker": "ok"},
        "failing": [],
    }
    assert login.status == 200
    assert "Se connecter" in login.text  # the translations were compiled
    assert css.status == 200
    assert "immutable" in css.headers["cache-control"]  # WhiteNoise, from collected files
    assert plain_page.status == 301  # straight to gunicorn over HTTP: sent to HTTPS
    assert plain_page.headers["location"] == f"https://127.0.0.1:{port}/accounts/login/"
    for process_name in ("web.1", "worker.1", "beat.1"):
        assert f"{process_name} started" in output
