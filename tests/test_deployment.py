"""Production settings pass Django's deployment checks without a single warning."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENVIRONMENT = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "boucle.example.org",
    # The checks do not connect: the database only has to be PostgreSQL, as in production.
    "DATABASE_URL": "postgres://boucle:secret@db.boucle.example.org:5432/boucle",
    "REDIS_URL": "redis://redis.boucle.example.org:6379/0",
}


def run_manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    """Run ``manage.py`` in a clean environment: none of the test run's variables leak in."""
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **environment}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    # when
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION_ENVIRONMENT,
        SECRET_KEY=secrets.token_urlsafe(64),
    )

    # then
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_check_deploy_fails_on_a_weak_secret_key():
    # when
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION_ENVIRONMENT,
        SECRET_KEY="too-short",
    )

    # then
    assert result.returncode == 1
    assert "security.W009" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    # when
    result = run_manage("check", **PRODUCTION_ENVIRONMENT)

    # then
    assert result.returncode == 1
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr
