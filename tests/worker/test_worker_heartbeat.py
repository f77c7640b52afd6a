"""A real worker's heartbeat turns ``/health/`` from 503 to 200."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings

from common.health import HEARTBEAT_KEY
from common.tasks import worker_heartbeat

HEARTBEAT_WAIT_SECONDS = 30


@pytest.mark.worker
def test_a_real_workers_heartbeat_makes_health_ok(celery_worker_process, client):
    # given: no heartbeat in Redis
    redis.Redis.from_url(settings.REDIS_URL).delete(HEARTBEAT_KEY)
    before = client.get("/health/")

    # when: the task beat queues is run by the real worker
    worker_heartbeat.delay()
    deadline = time.monotonic() + HEARTBEAT_WAIT_SECONDS
    after = client.get("/health/")
    while after.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
        after = client.get("/health/")

    # then
    assert before.status_code == 503
    assert before.json()["checks"]["worker"] == "no heartbeat"
    assert after.status_code == 200, celery_worker_process.output()
    assert after.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "worker": "ok"},
        "failing": [],
    }
    assert "common.tasks.worker_heartbeat" in celery_worker_process.output()
