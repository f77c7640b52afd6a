"""Redis stopped: requests whose change committed answer success, the token endpoint 503, and
the work they committed is done once Redis is back and the re-queue task has run.

Redis here is a server of the test's own (``redis_server.RedisServer``), stopped and started;
the broker and the cache of this process point at it.
"""

from __future__ import annotations

import datetime
import logging
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from common.handoff import handoff_requeue_pending
from documents.choices import DocumentKind, DocumentState
from documents.models import Document
from inventory.choices import DeviceState, ImportState
from inventory.models import Device, DeviceImport
from reuse.services import devices_claim, waste_record_create
from tests.reuse.test_recycling_services import monitor, shipment
from tests.worker.conftest import ASYNC_BYTES
from tests.worker.redis_server import RedisServer, point_celery_at
from tests.worker.test_import_worker import declaration_file

pytestmark = pytest.mark.worker

DONE_SECONDS = 60
IMPORT_ROWS = 2000


@pytest.fixture
def redis_of_its_own(start_worker, eager_tasks_off, settings, tmp_path):
    """A Redis of the test's own as this process's broker and cache, restored afterwards."""
    app = eager_tasks_off
    server = RedisServer(tmp_path)
    server.start()
    shared_broker = app.conf.broker_url
    point_celery_at(app, server.url)
    backend = "django.core.cache.backends.redis.RedisCache"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": server.url}}
    yield server
    point_celery_at(app, shared_broker)
    server.stop()


def wait_for(condition, *, what: str, worker) -> None:
    deadline = time.monotonic() + DONE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"Timed out waiting for {what}; worker log:\n{worker.output()}")


def test_with_redis_down_committed_requests_answer_success_and_their_work_ends_done(
    redis_of_its_own,
    start_worker,
    client_for,
    declare,
    commune,
    commune_user,
    partner,
    partner_user,
    caplog,
):
    # given: devices to label, claim and release, a shipment for the register
    to_label = declare(3)
    to_claim, to_release = declare(2)
    devices_claim(partner=partner, user=partner_user, devices=[to_release])
    recycled = monitor(declare, partner, partner_user)
    year = timezone.localdate().year
    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[recycled],
        **shipment(shipped_on=datetime.date(year, 1, 5)),
    )
    content = declaration_file(IMPORT_ROWS)
    assert len(content) > ASYNC_BYTES
    commune_user.set_password("s3cret-pass")
    commune_user.save()
    commune_api, partner_api = client_for(commune_user), client_for(partner_user)

    # when: Redis stops
    redis_of_its_own.stop()
    with caplog.at_level(logging.WARNING, logger="common"):
        started = time.monotonic()
        imported = commune_api.post(
            "/api/v1/imports/",
            {"commune": commune.slug, "file": _upload(content)},
            format="multipart",
        )
        labels = commune_api.post(
            "/api/v1/labels/", {"codes": [device.code for device in to_label]}, format="json"
        )
        register = partner_api.post(
            "/api/v1/waste-records/register-document/", {"year": year}, format="json"
        )
        claimed = partner_api.post(f"/api/v1/devices/{to_claim.code}/claim/", {}, format="json")
        released = partner_api.post(
            f"/api/v1/devices/{to_release.code}/release/", {}, format="json"
        )
        token = client_for(commune_user).post(
            "/api/v1/auth/token/",
            {"username": commune_user.username, "password": "s3cret-pass"},
            format="json",
        )
        elapsed = time.monotonic() - started

    # then: what committed answers success, the throttled token endpoint 503, none 500
    assert imported.status_code == 202, imported.json()
    assert labels.status_code == 201, labels.json()
    assert register.status_code == 201, register.json()
    assert claimed.status_code == 200, claimed.json()
    assert released.status_code == 200, released.json()
    assert token.status_code == 503, token.content
    assert token.json()["error"]["code"] == "cache_unavailable"
    assert elapsed < 15, f"the requests took {elapsed:.1f} s with Redis down"
    device_import = DeviceImport.objects.get(pk=imported.json()["id"])
    documents = Document.objects.filter(
        kind__in=[DocumentKind.LABEL_SHEET, DocumentKind.WASTE_REGISTER]
    )
    assert device_import.state == ImportState.PENDING
    assert sorted(documents.values_list("state", flat=True)) == [DocumentState.PENDING] * 2
    # What the stopped Redis held is lost too (the collection note queued in the given).
    pending = Document.objects.filter(state=DocumentState.PENDING).count()
    assert Device.objects.get(pk=to_claim.pk).state == DeviceState.CLAIMED
    assert Device.objects.get(pk=to_release.pk).state == DeviceState.DECLARED
    queued_failures = [
        record.getMessage() for record in caplog.records if record.name == "common.handoff"
    ]
    assert any(
        f"inventory.tasks.run_device_import({device_import.pk},)" in message
        for message in queued_failures
    ), queued_failures
    assert sum("documents.tasks.render_document" in m for m in queued_failures) == 2
    assert any("reuse.tasks.notify_devices_claimed" in m for m in queued_failures)
    assert any("reuse.tasks.notify_claim_released" in m for m in queued_failures)

    # when: Redis comes back (empty: what it held is lost), a worker runs, the re-queue runs
    redis_of_its_own.start()
    worker = start_worker(REDIS_URL=redis_of_its_own.url)
    counts = handoff_requeue_pending(older_than=datetime.timedelta(0))

    # then: the import is done and both documents issued, once
    assert counts == {"documents": pending, "device imports": 1}
    wait_for(
        lambda: DeviceImport.objects.get(pk=device_import.pk).is_finished,
        what="the import",
        worker=worker,
    )
    device_import.refresh_from_db()
    assert device_import.state == ImportState.IMPORTED, device_import.message
    assert Device.objects.filter(declaration=device_import.declaration).count() == IMPORT_ROWS
    wait_for(
        lambda: not Document.objects.filter(state=DocumentState.PENDING).exists(),
        what="the documents",
        worker=worker,
    )
    assert sorted(documents.values_list("state", flat=True)) == [DocumentState.ISSUED] * 2
    # ...and the token endpoint answers again
    token = client_for(commune_user).post(
        "/api/v1/auth/token/",
        {"username": commune_user.username, "password": "s3cret-pass"},
        format="json",
    )
    assert token.status_code == 200, token.content


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("parc.csv", content, content_type="text/csv")
