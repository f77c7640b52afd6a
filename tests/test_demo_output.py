"""What ``make run`` shows a newcomer: ``seed_demo``, on a fresh database with the embedded
default (no broker, mail on the console), prints no library log line and ends with the logins."""

import os
import subprocess
import sys

from django.conf import settings


def run_manage(*arguments: str, database: str) -> subprocess.CompletedProcess:
    """Run ``manage.py`` as ``make run`` does: none of the test run's variables leak in."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_seed_demo_prints_its_logins_last_and_no_log_line(tmp_path):
    # given
    database = tmp_path / "db.sqlite3"
    assert run_manage("migrate", "--noinput", database=database).returncode == 0

    # when
    result = run_manage("seed_demo", database=database)

    # then
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Demo data created: ")
    assert lines[-2:] == ["", "Password of every demo login: boucle-demo"]
    header = lines.index(
        "Organisation                          Kind                  Username"
        "                                Role"
    )
    table = lines[header + 2 : -2]
    assert len(table) == 64
    assert table[0].split() == [
        *("Grand-Orly", "Seine", "Bièvre"),
        *("Territory", "gosb-admin", "Administrator"),
    ]
