"""Recover the work handed to the worker: what Celery beat runs every minute, run once."""

import datetime

from django.core.management.base import BaseCommand

from common.handoff import handoff_requeue_pending, handoff_watch_stalled


class Command(BaseCommand):
    help = (
        "Queue again the committed work no worker started, and queue again once (then fail) "
        "the running work whose heartbeat stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stalled-after",
            type=int,
            default=None,
            help="Seconds without a heartbeat after which running work is stalled "
            "(default: BOUCLE_WORKER_STALLED_SECONDS).",
        )
        parser.add_argument(
            "--requeue-after",
            type=int,
            default=None,
            help="Seconds after which waiting work is queued again "
            "(default: BOUCLE_REQUEUE_AFTER_SECONDS).",
        )

    def handle(self, *args, stalled_after, requeue_after, **options):
        stalled = handoff_watch_stalled(
            stalled_after=None
            if stalled_after is None
            else datetime.timedelta(seconds=stalled_after)
        )
        requeued = handoff_requeue_pending(
            older_than=None if requeue_after is None else datetime.timedelta(seconds=requeue_after)
        )
        for name in stalled:
            self.stdout.write(
                f"{name}: {stalled[name]} stalled recovered, {requeued.get(name, 0)} requeued"
            )
