"""``/health/`` checks the database, Redis and the worker's heartbeat, on a Redis of the test's
own (tests/worker/redis_server.py) that the test may stop."""

from __future__ import annotations

import time

import pytest
import redis

from common.health import HEARTBEAT_KEY, record_worker_heartbeat
from tests.worker.redis_server import RedisServer

ALL_OK = {"database": "ok", "redis": "ok", "worker": "ok"}


@pytest.fixture
def redis_server(settings, tmp_path):
    """A Redis server of the test's own, which ``settings.REDIS_URL`` points at."""
    server = RedisServer(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    yield server
    server.stop()


def test_everything_ok_answers_200_to_anyone(client, db, redis_server):
    # given
    record_worker_heartbeat()

    # when
    response = client.get("/health/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": ALL_OK, "failing": []}
    assert "no-cache" in response["Cache-Control"]


def test_redis_down_answers_503_naming_redis(client, db, redis_server):
    # given
    record_worker_heartbeat()
    redis_server.stop()

    # when
    response = client.get("/health/")

    # then
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "checks": {"database": "ok", "redis": "unreachable", "worker": "unknown"},
        "failing": ["redis", "worker"],
    }


def test_a_stale_heartbeat_answers_503_naming_the_worker(client, db, redis_server, settings):
    # given: the last heartbeat is one second older than the threshold
    record_worker_heartbeat(now=time.time() - settings.BOUCLE_HEARTBEAT_STALE_SECONDS - 1)

    # when
    response = client.get("/health/")

    # then
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "checks": {"database": "ok", "redis": "ok", "worker": "heartbeat stale"},
        "failing": ["worker"],
    }


def test_a_heartbeat_just_within_the_threshold_is_ok(client, db, redis_server, settings):
    # given
    record_worker_heartbeat(now=time.time() - settings.BOUCLE_HEARTBEAT_STALE_SECONDS + 5)

    # when
    response = client.get("/health/")

    # then
    assert (response.status_code, response.json()["checks"]) == (200, ALL_OK)


def test_no_heartbeat_yet_answers_503_naming_the_worker(client, db, redis_server):
    # given: Redis has never seen a heartbeat
    assert redis.Redis.from_url(redis_server.url).exists(HEARTBEAT_KEY) == 0

    # when
    response = client.get("/health/")

    # then
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "no heartbeat"}
    assert response.json()["failing"] == ["worker"]


def test_the_embedded_default_without_redis_is_healthy(client, db, settings):
    # given: no REDIS_URL, tasks run inline in the request
    settings.REDIS_URL = ""

    # when
    response = client.get("/health/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not used", "worker": "not used"},
        "failing": [],
    }


def test_health_only_answers_reads(client, db, settings):
    # given
    settings.REDIS_URL = ""

    # when
    head = client.head("/health/")
    post = client.post("/health/")

    # then
    assert (head.status_code, post.status_code) == (200, 405)
