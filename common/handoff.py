"""The durable hand-off of committed work to the Celery worker, and its recovery.

Work handed to a worker is committed first, as a row in its app (a document to render, an
import to run), then queued on commit by :func:`enqueue_on_commit`. Queuing never raises into
the request whose change committed: a broker that cannot be reached is logged, and the row
stays ``pending`` until :func:`handoff_requeue_pending` (Celery beat, every minute) queues it
again. A worker that dies while running the work stops its heartbeat;
:func:`handoff_watch_stalled` (Celery beat, every minute, or ``manage.py watch_work``) queues
it again once, then fails it with a reason its user reads.

The apps owning such work register how to find and recover it (``register_handoff``) from
their ``AppConfig.ready()``, as common sits below them all.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """Queue ``task`` with ``args`` now; return False, logged, when the broker is unreachable.

    The caller's change is committed already: it is not undone, and the work is queued again
    later by the re-queue task (the tasks are safe to repeat).
    """
    try:
        task.delay(*args)
    except Exception as error:  # kombu's OperationalError, redis' ConnectionError, a timeout…
        # Inline (without Redis) the task itself runs here: its own errors are not the broker's.
        if task.app.conf.task_always_eager:
            raise
        logger.warning(
            "Queuing %s%r failed; it will be queued again once the broker answers: %s: %s",
            task.name,
            tuple(args),
            type(error).__name__,
            error,
        )
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task`` with ``args`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args))


@dataclass(frozen=True)
class Handoff:
    """How one kind of committed work is found again and recovered.

    ``requeue_pending(cutoff)`` queues again the work not started whose last hand-off is
    older than ``cutoff``; ``watch_stalled(cutoff)`` recovers the work started whose heartbeat
    is older than ``cutoff``. Both return how many items they handled.
    """

    name: str
    requeue_pending: Callable[[datetime.datetime], int]
    watch_stalled: Callable[[datetime.datetime], int]


_handoffs: dict[str, Handoff] = {}


def register_handoff(handoff: Handoff) -> None:
    _handoffs[handoff.name] = handoff


def registered_handoffs() -> list[Handoff]:
    return list(_handoffs.values())


def handoff_requeue_pending(*, older_than: datetime.timedelta | None = None) -> dict[str, int]:
    """Queue again the committed work still waiting for a worker after ``older_than``."""
    if older_than is None:
        older_than = datetime.timedelta(seconds=settings.BOUCLE_REQUEUE_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    return {handoff.name: handoff.requeue_pending(cutoff) for handoff in registered_handoffs()}


def handoff_watch_stalled(*, stalled_after: datetime.timedelta | None = None) -> dict[str, int]:
    """Queue again once, then fail, the running work whose heartbeat stopped ``stalled_after``."""
    if stalled_after is None:
        stalled_after = stalled_threshold()
    cutoff = timezone.now() - stalled_after
    return {handoff.name: handoff.watch_stalled(cutoff) for handoff in registered_handoffs()}


def stalled_threshold() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.BOUCLE_WORKER_STALLED_SECONDS)
