"""Periodic recovery of the work handed to the worker (see :mod:`common.handoff`)."""

from celery import shared_task

from common.handoff import handoff_requeue_pending, handoff_watch_stalled
from common.health import record_worker_heartbeat


@shared_task(acks_late=True, ignore_result=True)
def requeue_pending_work() -> dict[str, int]:
    """Run every minute by Celery beat: queue again committed work no worker has started."""
    return handoff_requeue_pending()


@shared_task(acks_late=True, ignore_result=True)
def watch_stalled_work() -> dict[str, int]:
    """Run every minute by Celery beat: recover work whose worker stopped beating."""
    return handoff_watch_stalled()


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Run by Celery beat every ``BOUCLE_HEARTBEAT_SECONDS``: the worker's sign of life."""
    record_worker_heartbeat()
