"""Helpers of the deployment tests: they run the commands docs/DEPLOY.md names, as a person
would, on the PostgreSQL test database (a process of their own must reach it, as the worker
tests' worker does) and, for the production set, on Redis."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

# The commands the documentation names, from the repository's root.
COMMAND_TIMEOUT_SECONDS = 300


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (DATABASE_URL; CI sets it): the commands run in other processes, "
            "which cannot reach the in-memory SQLite test database"
        )


def clean_environment(**variables: str) -> dict[str, str]:
    """What the commands see: the machine's PATH with this virtual environment first, a few
    locale variables and ``variables``; none of the test run's own settings leak in."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {"PATH": path, "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/tmp"), **variables}


def run_command(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(arguments),
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    text: str


def http_get(port: int, path: str, *, headers: dict[str, str] | None = None) -> Answer:
    """One GET to 127.0.0.1:``port``, redirects not followed; OSError when nothing answers."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", path, headers={"Host": f"127.0.0.1:{port}", **(headers or {})})
        response = client.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        client.close()


# The documents tests' collection notes, to have documents to back up.
from tests.documents.conftest import request_collection_note  # noqa: E402, F401
