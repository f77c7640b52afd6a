"""What ``/health/`` answers: whether the database, Redis and the worker are working.

The worker's heartbeat is a tiny task that Celery beat schedules every
``BOUCLE_HEARTBEAT_SECONDS``; the worker that runs it writes the time into Redis. A fresh
heartbeat shows that beat schedules, that Redis carries the task and that a worker runs it;
an old one names the worker (or beat) as failing. The web process reads one Redis key: no
broadcast to the workers, no waiting for their answers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import DatabaseError, connection

HEARTBEAT_KEY = "boucle:worker-heartbeat"
# A check never keeps the answer waiting longer than this, whatever does not answer.
REDIS_TIMEOUT_SECONDS = 1.0

OK = "ok"
NOT_USED = "not used"  # the embedded default: no Redis, tasks run inline in the request


@dataclass(frozen=True)
class Health:
    """Each part's state, ``ok`` or a few words saying what is wrong."""

    checks: dict[str, str]

    @property
    def failing(self) -> list[str]:
        return [part for part, state in self.checks.items() if state not in {OK, NOT_USED}]

    @property
    def healthy(self) -> bool:
        return not self.failing


def _redis_client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )


def record_worker_heartbeat(*, now: float | None = None) -> None:
    """Write the time of the worker's heartbeat into Redis (what the heartbeat task does)."""
    if not settings.REDIS_URL:
        return
    moment = time.time() if now is None else now
    # The key lapses long after it would be stale: a Redis left by Boucle keeps nothing.
    lifetime = 10 * settings.BOUCLE_HEARTBEAT_STALE_SECONDS
    _redis_client().set(HEARTBEAT_KEY, repr(moment), ex=lifetime)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unreachable"
    return OK


def _redis_and_worker_states() -> tuple[str, str]:
    if not settings.REDIS_URL:
        return NOT_USED, NOT_USED
    client = _redis_client()
    try:
        client.ping()
        heartbeat = client.get(HEARTBEAT_KEY)
    except redis.RedisError:
        # Without Redis the heartbeat cannot be read: the worker's state is unknown, not failing.
        return "unreachable", "unknown"
    finally:
        client.close()
    if heartbeat is None:
        return OK, "no heartbeat"
    age = time.time() - float(heartbeat)
    if age > settings.BOUCLE_HEARTBEAT_STALE_SECONDS:
        return OK, "heartbeat stale"
    return OK, OK


def health_check() -> Health:
    """Check the database, Redis and the worker's heartbeat, each within a second or so."""
    redis_state, worker_state = _redis_and_worker_states()
    return Health(
        checks={"database": _database_state(), "redis": redis_state, "worker": worker_state}
    )
