"""``scripts/production`` and ``scripts/release`` refuse to run without the production settings,
before touching anything; ``scripts/backup`` and ``scripts/restore`` without PostgreSQL."""

from __future__ import annotations

import pytest

from tests.deployment.conftest import clean_environment, run_command

PRODUCTION = {
    "SECRET_KEY": "a-key-for-a-refusal-test-only-never-used-to-sign-anything-at-all",
    "ALLOWED_HOSTS": "boucle.example.org",
    "DATABASE_URL": "postgres://boucle@db.boucle.example.org:5432/boucle",
    "REDIS_URL": "redis://redis.boucle.example.org:6379/0",
}


@pytest.mark.parametrize("script", ["scripts/production", "scripts/release"])
def test_a_missing_setting_is_named_and_nothing_runs(script):
    # given
    environment = clean_environment(**{**PRODUCTION, "SECRET_KEY": "", "REDIS_URL": ""})

    # when
    result = run_command(script, environment=environment)

    # then
    assert result.returncode == 2
    assert "set SECRET_KEY REDIS_URL (see docs/DEPLOY.md" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("script", ["scripts/production", "scripts/release"])
def test_debug_on_is_refused(script):
    # when
    result = run_command(script, environment=clean_environment(**PRODUCTION, DEBUG="True"))

    # then
    assert result.returncode == 2
    assert "runs Boucle with DEBUG off" in result.stderr
    assert result.stdout == ""


def test_an_unreadable_environment_file_is_refused(tmp_path):
    # when
    result = run_command(
        "scripts/production", str(tmp_path / "absent.env"), environment=clean_environment()
    )

    # then
    assert result.returncode == 2
    assert "cannot read the environment file" in result.stderr


def test_the_environment_file_is_read(tmp_path):
    # given: everything but REDIS_URL in the file
    environment_file = tmp_path / "boucle.env"
    environment_file.write_text(
        "".join(f'{name}="{value}"\n' for name, value in PRODUCTION.items() if name != "REDIS_URL")
    )

    # when
    result = run_command("scripts/release", str(environment_file), environment=clean_environment())

    # then: only the one the file lacks is missing
    assert result.returncode == 2
    assert "set REDIS_URL (see docs/DEPLOY.md" in result.stderr


@pytest.mark.parametrize("script", ["scripts/backup", "scripts/restore"])
def test_backup_and_restore_need_postgresql(script, tmp_path):
    # when
    result = run_command(
        script,
        str(tmp_path / "backup"),
        environment=clean_environment(DATABASE_URL="sqlite:///db.sqlite3"),
    )

    # then
    assert result.returncode == 2
    assert "set DATABASE_URL to Boucle's PostgreSQL database" in result.stderr
    assert not (tmp_path / "backup").exists()
