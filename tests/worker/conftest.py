"""A real Celery worker process on Redis and the PostgreSQL test database, for the tests here.

The worker runs ``celery -A config worker --pool=solo`` with the environment of the tests, its
database pointed at the test database and its media folder at the test's own. It must see what
the test commits, so these tests use ``transactional_db``. Without ``REDIS_URL``, or on SQLite
(whose test database lives in this process's memory), they are skipped and say why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

# Files above this size are imported by the worker, in these tests.
ASYNC_BYTES = 64 * 1024
WORKER_START_SECONDS = 60
WORKER_STOP_SECONDS = 15


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "worker: runs a real Celery worker process (needs REDIS_URL and PostgreSQL)"
    )


def shared_database_url() -> str:
    """The URL of the database this test process uses, for another process to join it."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "localhost"
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(database['NAME'])}"


class Worker:
    """A Celery worker process started for one test, and its log."""

    def __init__(self, process: subprocess.Popen, log: Path, name: str) -> None:
        self.process = process
        self.log = log
        self.name = name

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + WORKER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker exited at start:\n{self.output()}")
            if " ready." in self.output():
                return
            time.sleep(0.1)
        pytest.fail(
            f"The Celery worker was not ready after {WORKER_START_SECONDS} s:\n{self.output()}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # a warm shutdown: the current task ends first
            try:
                self.process.wait(timeout=WORKER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=WORKER_STOP_SECONDS)


@pytest.fixture
def eager_tasks_off(settings):
    """Tasks go to the broker, not inline, in this process; restored afterwards."""
    from config.celery import app

    # Read before the setting changes: Celery reads its configuration from the settings the
    # first time it is asked, and would otherwise restore "off" for the tests that follow.
    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def start_worker(transactional_db, eager_tasks_off, settings, tmp_path):
    """Start workers on the test database and a media folder shared with this process.

    ``start_worker(**environment)`` starts one more worker, with extra environment variables;
    every worker started is stopped at the end of the test.
    """
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the worker tests need Redis (CI sets it)")
    if connection.vendor != "postgresql":
        pytest.skip(
            "the worker tests need PostgreSQL (DATABASE_URL): a worker process cannot reach "
            "the in-memory SQLite test database"
        )
    app = eager_tasks_off
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.BOUCLE_IMPORT_ASYNC_BYTES = ASYNC_BYTES

    # Leftovers of an interrupted run would be run against this run's data.
    app.control.purge()
    workers: list[Worker] = []

    def start(**extra_environment: str) -> Worker:
        name = f"boucle-test-{uuid.uuid4().hex[:8]}@%h"
        log = tmp_path / f"worker-{len(workers)}.log"
        environment = {
            **os.environ,
            "DATABASE_URL": shared_database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": redis_url,
            "MEDIA_ROOT": str(media),
            "BOUCLE_IMPORT_ASYNC_BYTES": str(ASYNC_BYTES),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **extra_environment,
        }
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "-Q",
                    "celery",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    name,
                ],
                cwd=django_settings.BASE_DIR,
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log, name)
        workers.append(worker)
        worker.wait_until_ready()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
        app.control.purge()


@pytest.fixture
def celery_worker_process(start_worker):
    """One worker, for the tests that need just one."""
    return start_worker()
