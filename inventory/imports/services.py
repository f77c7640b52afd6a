"""Importing a file of devices: receive it, check every row, then declare them all or none.

``device_import_create`` stores the uploaded file and either runs the import at once or, for a
large file, queues :func:`inventory.tasks.run_device_import`. ``device_import_run`` does the
work and is safe to repeat: a redelivered task finds the import finished and changes nothing,
and the devices, their events and the import's ``imported`` state commit together.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import logging
import tempfile
import time
from functools import partial
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.errors import PermissionDenied, ValidationFailed
from common.handoff import enqueue, enqueue_on_commit, stalled_threshold
from inventory import permissions
from inventory.choices import DeclarationSource, ImportState
from inventory.imports.calamine_limits import check_ods, check_xls, is_ods, is_xls
from inventory.imports.columns import (
    DEFAULT_SURPLUS_STATUSES,
    MAX_SURPLUS_STATUS_LENGTH,
    MAX_SURPLUS_STATUSES,
)
from inventory.imports.outcomes import Outcome
from inventory.imports.readers import (
    SNIFF_BYTES,
    XLSX_MAGIC,
    Table,
    UnreadableFile,
    open_table,
)
from inventory.imports.reasons import Reason
from inventory.imports.report import STORED_HEADER
from inventory.imports.staging import Staging
from inventory.imports.validation import ColumnPlan, RowError, RowValidator, SkippedRow, ValidRow
from inventory.imports.xlsx_limits import XlsxOverLimit, check_xlsx
from inventory.models import Declaration, DeviceImport
from organisations.models import Organisation, Site
from organisations.permissions import require_member

logger = logging.getLogger(__name__)

# Rows checked between two progress reports (and two looks at a cancel request).
PROGRESS_EVERY = 5000
# Errors kept on the import for the page; the report file holds them all.
PREVIEW_ERRORS = 200
# Times an import whose worker stopped is queued again before it is failed.
MAX_RECOVERIES = 1


class ImportCancelled(Exception):
    pass


def _check_importer(*, user: AbstractBaseUser, commune: Organisation, site: Site | None) -> None:
    organisation = require_member(user, commune).organisation
    if not permissions.can_declare_for(organisation, commune):
        raise PermissionDenied(_("Only a commune declares devices, its own."), code="not_a_commune")
    if site is not None and site.organisation_id != commune.pk:
        raise ValidationFailed(
            _("The pickup site must belong to the declaring commune."),
            code="foreign_site",
            fields={"pickup_site": [_("The pickup site must belong to the declaring commune.")]},
        )
    # As stored now, not as the caller last read it: it may have been closed since.
    if (
        site is not None
        and not Site.objects.open_pickup_sites_of(commune).filter(pk=site.pk).exists()
    ):
        message = _("The site “%(name)s” is not an open pickup site.") % {"name": site.name}
        raise ValidationFailed(message, code="closed_site", fields={"pickup_site": [message]})


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def device_import_create(
    *,
    user: AbstractBaseUser,
    commune: Organisation,
    file: IO[bytes],
    original_name: str,
    size: int,
    pickup_site: Site | None = None,
    sheet: str = "",
    dry_run: bool = False,
    surplus_statuses: list[str] | None = None,
    run_now: bool | None = None,
) -> DeviceImport:
    """Receive a file of devices for ``commune`` and import it (or check it, in a dry run).

    A file up to ``BOUCLE_IMPORT_ASYNC_BYTES`` is imported before this returns; a larger one
    by a Celery task, queued once the import is saved. ``run_now`` forces either way.
    """
    _check_importer(user=user, commune=commune, site=pickup_site)
    surplus_statuses = _checked_surplus_statuses(surplus_statuses)
    limit = settings.BOUCLE_IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationFailed(
            _("The file is %(size)s MB; the largest file accepted is %(limit)s MB.")
            % {"size": round(size / 1_048_576, 1), "limit": round(limit / 1_048_576, 1)},
            code="file_too_large",
            fields={"file": [_("The file is too large.")]},
        )
    if size == 0:
        raise ValidationFailed(
            _("The file is empty."), code="empty_file", fields={"file": [_("The file is empty.")]}
        )
    _refuse_xlsx_over_limits(file, sheet=sheet)
    sha256 = _sha256(file)
    device_import = DeviceImport(
        commune=commune,
        created_by=user,
        original_name=original_name[:255],
        size=size,
        sha256=sha256,
        sheet=sheet,
        pickup_site=pickup_site,
        dry_run=dry_run,
        surplus_statuses=surplus_statuses,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    device_import.file.save(
        _storage_name(original_name), File(file, name=original_name), save=False
    )
    device_import.save()

    if run_now is None:
        run_now = size <= settings.BOUCLE_IMPORT_ASYNC_BYTES
    if run_now:
        return device_import_run(device_import=device_import)

    # Committed as pending first: a broker that does not answer is logged, and the import is
    # queued again by device_imports_requeue_pending.
    DeviceImport.objects.filter(pk=device_import.pk).update(queued_at=timezone.now())
    enqueue_on_commit(_run_task(), device_import.pk)
    return device_import


def _checked_surplus_statuses(statuses: list[str] | None) -> list[str]:
    """The commune's surplus statuses, bounded; none given means the default ones."""
    if not statuses:
        return list(DEFAULT_SURPLUS_STATUSES)
    message = None
    if len(statuses) > MAX_SURPLUS_STATUSES:
        message = _("At most %(limit)d surplus statuses.") % {"limit": MAX_SURPLUS_STATUSES}
    elif any(len(status) > MAX_SURPLUS_STATUS_LENGTH for status in statuses):
        message = _("A surplus status has at most %(limit)d characters.") % {
            "limit": MAX_SURPLUS_STATUS_LENGTH
        }
    if message:
        raise ValidationFailed(
            message, code="invalid_surplus_statuses", fields={"surplus_statuses": [message]}
        )
    return list(statuses)


def dry_run_expires_at(device_import: DeviceImport):
    """Until when the file of a dry run is kept to be imported without sending it again."""
    return device_import.created_at + datetime.timedelta(hours=settings.BOUCLE_IMPORT_DRY_RUN_HOURS)


def dry_run_importable(device_import: DeviceImport) -> bool:
    """A successful dry run, still within its time, whose file has not been imported yet."""
    return (
        device_import.dry_run
        and device_import.state == ImportState.VALID
        and bool(device_import.file)
        and timezone.now() < dry_run_expires_at(device_import)
        and not device_import.follow_ups.exclude(state__in=_RETRYABLE_STATES).exists()
    )


# A follow-up import that ended so may be tried again from the same dry run.
_RETRYABLE_STATES = (ImportState.FAILED, ImportState.CANCELLED, ImportState.UNREADABLE)


def device_imports_forget_dry_runs(*, now: datetime.datetime | None = None) -> int:
    """Delete the stored files of the dry runs past their time: a dry run keeps its file only
    to be imported without sending it again. A file a follow-up import uses is kept, as that
    import's. Safe to repeat."""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        hours=settings.BOUCLE_IMPORT_DRY_RUN_HOURS
    )
    forgotten = 0
    expired = (
        DeviceImport.objects.filter(dry_run=True, created_at__lte=cutoff)
        .exclude(file="")
        .exclude(follow_ups__in=DeviceImport.objects.exclude(state__in=_RETRYABLE_STATES))
        .order_by("pk")
    )
    for device_import in expired.iterator():
        device_import.file.delete(save=False)
        DeviceImport.objects.filter(pk=device_import.pk).update(file="")
        forgotten += 1
    if forgotten:
        logger.info("Deleted the files of %d expired dry run(s)", forgotten)
    return forgotten


def device_import_from_dry_run(
    *, dry_run: DeviceImport, user: AbstractBaseUser, run_now: bool | None = None
) -> DeviceImport:
    """Import the stored file of a successful dry run, with its settings, for its commune.

    Only the importing commune's members may; the dry run must be valid, recent (see
    ``BOUCLE_IMPORT_DRY_RUN_HOURS``) and not imported already.
    """
    _check_importer(user=user, commune=dry_run.commune, site=None)
    with transaction.atomic():
        locked = DeviceImport.objects.select_for_update().get(pk=dry_run.pk)
        if not (locked.dry_run and locked.state == ImportState.VALID):
            raise ValidationFailed(
                _("Only a dry run whose rows are all valid can be imported this way."),
                code="not_a_valid_dry_run",
            )
        if timezone.now() >= dry_run_expires_at(locked) or not locked.file:
            raise ValidationFailed(
                _("This dry run is too old: its file is no longer kept. Send the file again."),
                code="dry_run_expired",
            )
        if locked.follow_ups.exclude(state__in=_RETRYABLE_STATES).exists():
            raise ValidationFailed(
                _("The file of this dry run is already imported, or being imported."),
                code="dry_run_already_imported",
            )
        device_import = DeviceImport.objects.create(
            commune=locked.commune,
            created_by=user,
            file=locked.file.name,
            original_name=locked.original_name,
            size=locked.size,
            sha256=locked.sha256,
            sheet=locked.sheet,
            pickup_site=locked.pickup_site,
            surplus_statuses=locked.surplus_statuses,
            dry_run=False,
            from_dry_run=locked,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    if run_now is None:
        run_now = device_import.size <= settings.BOUCLE_IMPORT_ASYNC_BYTES
    if run_now:
        return device_import_run(device_import=device_import)
    DeviceImport.objects.filter(pk=device_import.pk).update(queued_at=timezone.now())
    enqueue_on_commit(_run_task(), device_import.pk)
    return device_import


def _run_task():
    from inventory.tasks import run_device_import  # the task module imports this one

    return run_device_import


def device_imports_requeue_pending(cutoff) -> int:
    """Queue again every import still waiting for a worker, handed off before ``cutoff`` (its
    queuing failed, or the broker lost it); safe to repeat: a run claims the import once."""
    pks = list(
        DeviceImport.objects.filter(state=ImportState.PENDING)
        .annotate(handed_off_at=Coalesce("queued_at", "created_at"))
        .filter(handed_off_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in pks:
        DeviceImport.objects.filter(pk=pk).update(queued_at=timezone.now())
        enqueue(_run_task(), pk)
    if pks:
        logger.info("Queued again %d pending device import(s)", len(pks))
    return len(pks)


def _stalled(cutoff):
    """Running imports whose last sign of life is older than ``cutoff``."""
    return (
        DeviceImport.objects.filter(state=ImportState.RUNNING)
        .annotate(last_beat=Coalesce("heartbeat_at", "started_at"))
        .filter(last_beat__lt=cutoff)
    )


def device_imports_recover_stalled(cutoff) -> int:
    """Recover the running imports whose heartbeat is older than ``cutoff``: their worker
    died. Each is queued again once (nothing of it was written), then failed with a reason
    the importer reads."""
    pks = list(_stalled(cutoff).order_by("pk").values_list("pk", flat=True))
    for pk in pks:
        with transaction.atomic(durable=True):
            locked = _stalled(cutoff).select_for_update(of=("self",)).filter(pk=pk).first()
            if locked is None:  # finished or beating again meanwhile
                continue
            if locked.recoveries < MAX_RECOVERIES:
                locked.state = ImportState.PENDING
                locked.recoveries += 1
                locked.heartbeat_at = None
                locked.queued_at = timezone.now()
                locked.set_message(Outcome.of("requeued_worker_stopped"))
                locked.save(
                    update_fields=[
                        "state",
                        "recoveries",
                        "heartbeat_at",
                        "queued_at",
                        *DeviceImport.MESSAGE_FIELDS,
                    ]
                )
                logger.warning("Device import %s stalled; queued again", locked.pk)
                enqueue_on_commit(_run_task(), locked.pk)
                continue
            locked.state = ImportState.FAILED
            locked.finished_at = timezone.now()
            locked.set_message(Outcome.of("failed_worker_stopped"))
            locked.save(update_fields=["state", "finished_at", *DeviceImport.MESSAGE_FIELDS])
            logger.warning("Device import %s stalled again; failed", locked.pk)
    return len(pks)


def _refuse_xlsx_over_limits(file: IO[bytes], *, sheet: str) -> None:
    """An XLSX, ODS or XLS file built to exhaust the server is refused before anything is
    stored.

    A broken file is left to the import, which records it as unreadable, as for a CSV file.
    """
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if is_ods(head):
        check = check_ods
    elif is_xls(head):
        check = check_xls
    elif head.startswith(XLSX_MAGIC):
        check = partial(check_xlsx, sheet=sheet or None)
    else:
        return
    try:
        check(file)
    except XlsxOverLimit as error:
        raise ValidationFailed(
            error.message, code=error.code, fields={"file": [error.message]}
        ) from error
    except UnreadableFile:
        pass
    finally:
        file.seek(0)


def _storage_name(original_name: str) -> str:
    suffix = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else "bin"
    return f"{timezone.now():%Y%m%d-%H%M%S}.{suffix[:8]}"


def device_import_cancel(*, device_import: DeviceImport, user: AbstractBaseUser) -> DeviceImport:
    """Ask a running import to stop; one still waiting stops at once. Nothing is imported."""
    _check_importer(user=user, commune=device_import.commune, site=None)
    with transaction.atomic(durable=True):
        locked = DeviceImport.objects.select_for_update().get(pk=device_import.pk)
        if locked.is_finished:
            raise ValidationFailed(_("This import is already finished."), code="import_finished")
        if locked.state == ImportState.PENDING:
            locked.state = ImportState.CANCELLED
            locked.set_message(Outcome.of("cancelled_before_start"))
            locked.finished_at = timezone.now()
        elif _stalled(timezone.now() - stalled_threshold()).filter(pk=locked.pk).exists():
            # No live worker will look at the cancel request: end the import now.
            locked.state = ImportState.CANCELLED
            locked.set_message(Outcome.of("cancelled_worker_stopped"))
            locked.finished_at = timezone.now()
        locked.cancel_requested = True
        locked.save(
            update_fields=[
                "state",
                *DeviceImport.MESSAGE_FIELDS,
                "finished_at",
                "cancel_requested",
            ]
        )
    return locked


def device_import_run(*, device_import: DeviceImport) -> DeviceImport:
    """Check the file, then declare all its devices in one transaction, or none of them."""
    claimed = DeviceImport.objects.filter(
        pk=device_import.pk, state__in=[ImportState.PENDING, ImportState.RUNNING]
    ).update(state=ImportState.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now())
    device_import.refresh_from_db()
    if not claimed:
        return device_import  # already finished: a repeated task changes nothing
    with translation.override(device_import.language):
        staging = Staging(device_import.pk)
        try:
            _run(device_import, staging)
        except XlsxOverLimit as error:
            # Queued before the limits were what they are: the import ends, with the reason.
            _finish(device_import, ImportState.FAILED, error.outcome)
        except UnreadableFile as error:
            _finish(device_import, ImportState.UNREADABLE, error.outcome)
        except ImportCancelled:
            _finish(
                device_import,
                ImportState.CANCELLED,
                Outcome.of("cancelled_at_row", rows=device_import.rows_read),
            )
        except Exception:
            logger.exception("Device import %s failed", device_import.pk)
            _finish(
                device_import,
                ImportState.FAILED,
                Outcome.of("failed_unexpectedly"),
            )
            raise
        finally:
            staging.drop()
    return device_import


def _finish(device_import: DeviceImport, state: str, message: Outcome, **fields) -> None:
    """Record the outcome, unless another run of the same import recorded one already."""
    # Not durable, nor is _insert's: an import run at once (``run_now``) runs inside its
    # caller's transaction when there is one (the importer's property tests roll each back).
    with transaction.atomic():
        current = DeviceImport.objects.select_for_update().only("state").get(pk=device_import.pk)
        if current.state != ImportState.RUNNING:
            device_import.refresh_from_db()
            return
        _record(device_import, state, message, **fields)


def _record(device_import: DeviceImport, state: str, message: Outcome, **fields) -> None:
    device_import.state = state
    device_import.set_message(message)
    device_import.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(device_import, name, value)
    device_import.save(
        update_fields=[
            "state",
            *DeviceImport.MESSAGE_FIELDS,
            "finished_at",
            "rows_read",
            "rows_valid",
            "error_count",
            "errors_preview",
            "rows_skipped",
            "skipped_preview",
            "rows_rejected",
            "rows_duplicate",
            "report",
            "unknown_columns",
            "file_format",
            "declaration",
            *fields,
        ]
    )


def _run(device_import: DeviceImport, staging: Staging) -> None:
    commune = device_import.commune
    earlier = (
        DeviceImport.objects.filter(
            commune=commune, sha256=device_import.sha256, state=ImportState.IMPORTED
        )
        .exclude(pk=device_import.pk)
        .select_related("declaration")
        .first()
    )
    if earlier is not None:
        _finish(
            device_import,
            ImportState.ALREADY_IMPORTED,
            Outcome.of(
                "already_imported",
                date=earlier.finished_at.isoformat(),
                declaration=earlier.declaration_id,
            ),
        )
        return

    with device_import.file.open("rb") as stream:
        table = open_table(stream, sheet=device_import.sheet or None)
        plan = ColumnPlan.from_headers(table.headers)
        device_import.unknown_columns = plan.unknown
        device_import.file_format = _describe_format(table)
        staging.create()
        if plan.missing or plan.duplicates:
            staging.add_errors(_column_errors(plan))
        else:
            _check_rows(device_import, table, plan, staging)

    _beat(device_import)
    rejected_before_duplicates = staging.rejected_lines()
    if "serial_number" in plan.columns:
        staging.serial_label = table.headers[plan.columns["serial_number"]]
        staging.index()
        staging.report_duplicates_in_file()
        staging.report_duplicates_in_inventory()
    _count_rows(device_import, staging, rejected_before_duplicates)

    error_count = staging.count(staging.errors)
    if error_count:
        _reject(device_import, staging, error_count)
        return
    if device_import.dry_run:
        _finish(
            device_import,
            ImportState.VALID,
            Outcome.of("dry_run_valid", count=device_import.rows_valid),
        )
        return
    staging.renew_colliding_codes()
    _beat(device_import)
    _insert(device_import, staging)


def _count_rows(device_import: DeviceImport, staging: Staging, rejected_before: int) -> None:
    """Each row read is valid, rejected (some of them as duplicates) or left out as not
    surplus: the three add up to the rows read."""
    rejected = min(staging.rejected_lines(), device_import.rows_read)
    device_import.rows_rejected = rejected
    device_import.rows_duplicate = max(rejected - rejected_before, 0)
    device_import.rows_valid = device_import.rows_read - device_import.rows_skipped - rejected


def _beat(device_import: DeviceImport) -> None:
    """Tell the watchdog the worker running the import is alive."""
    DeviceImport.objects.filter(pk=device_import.pk).update(heartbeat_at=timezone.now())


def _describe_format(table: Table) -> dict:
    described = {"format": table.format}
    if table.format == "csv":
        described.update(encoding=table.encoding, delimiter=table.delimiter)
    else:
        described["sheet"] = table.sheet
    return described


def _column_errors(plan: ColumnPlan) -> list[RowError]:
    # A missing column has no header in the file: the reason names Boucle's column.
    errors = [
        RowError(1, "", "", Reason.of("column_missing", column=column)) for column in plan.missing
    ]
    errors += [
        RowError(1, header, header, Reason.of("column_repeated")) for header in plan.duplicates
    ]
    return errors


def _check_rows(
    device_import: DeviceImport, table: Table, plan: ColumnPlan, staging: Staging
) -> None:
    commune = device_import.commune
    validator = RowValidator(
        headers=table.headers,
        plan=plan,
        commune=commune,
        sites=list(Site.objects.open_pickup_sites_of(commune)),
        default_site=device_import.pickup_site,
        surplus_statuses=device_import.surplus_statuses or DEFAULT_SURPLUS_STATUSES,
    )
    valid: list[ValidRow] = []
    errors: list[RowError] = []
    skipped: list[dict] = []
    rows_read = rows_valid = rows_skipped = 0
    for line, cells in table.rows:
        outcome = validator.validate(line, cells)
        if outcome is None:
            continue
        rows_read += 1
        if isinstance(outcome, SkippedRow):
            rows_skipped += 1
            if len(skipped) < PREVIEW_ERRORS:
                skipped.append({"line": outcome.line, "status": outcome.status})
        elif isinstance(outcome, ValidRow):
            rows_valid += 1
            valid.append(outcome)
        else:
            errors.extend(outcome)
        if rows_read % PROGRESS_EVERY == 0:
            staging.add_rows(valid)
            staging.add_errors(errors)
            valid, errors = [], []
            _report_progress(device_import, rows_read, rows_valid)
    staging.add_rows(valid)
    staging.add_errors(errors)
    device_import.rows_read, device_import.rows_valid = rows_read, rows_valid
    device_import.rows_skipped, device_import.skipped_preview = rows_skipped, skipped
    if rows_read == 0:
        staging.add_errors([RowError(2, "", "", Reason.of("no_device"))])
    elif rows_skipped == rows_read:
        status_header = table.headers[plan.columns["status"]]
        staging.add_errors(
            [
                RowError(
                    1,
                    status_header,
                    "",
                    Reason.of("no_surplus_row", statuses=list(validator.surplus_statuses)),
                )
            ]
        )


def _report_progress(device_import: DeviceImport, rows_read: int, rows_valid: int) -> None:
    """Publish the counts for the page and the API, and stop if a cancel was asked for."""
    device_import.rows_read, device_import.rows_valid = rows_read, rows_valid
    DeviceImport.objects.filter(pk=device_import.pk).update(
        rows_read=rows_read, rows_valid=rows_valid, heartbeat_at=timezone.now()
    )
    if DeviceImport.objects.filter(pk=device_import.pk, cancel_requested=True).exists():
        raise ImportCancelled


def _reject(device_import: DeviceImport, staging: Staging, error_count: int) -> None:
    """Record the rejection with its report; each reason as its code and values, worded when
    read (:mod:`inventory.imports.report`)."""
    preview = []
    with tempfile.TemporaryFile() as report:
        text = io.TextIOWrapper(report, encoding="utf-8", newline="")
        writer = csv.writer(text, delimiter=";")
        writer.writerow(STORED_HEADER)
        for error in staging.iter_errors():
            writer.writerow(error)
            if len(preview) < PREVIEW_ERRORS:
                line, column, value, code, params = error
                preview.append(
                    {
                        "line": line,
                        "column": column,
                        "value": value,
                        "code": code,
                        "params": json.loads(params),
                    }
                )
        text.flush()
        report.seek(0)
        device_import.report.save(f"import-{device_import.pk}-report.csv", File(report), save=False)
        text.detach()
    _finish(
        device_import,
        ImportState.REJECTED,
        Outcome.of("problems_found", errors=error_count),
        error_count=error_count,
        errors_preview=preview,
    )


def _insert(device_import: DeviceImport, staging: Staging) -> None:
    now = timezone.now()
    started = time.perf_counter()
    try:
        with transaction.atomic():
            # A redelivered task may run beside the first one: the lock makes one of them
            # insert, and the other find the import finished.
            current = DeviceImport.objects.select_for_update().get(pk=device_import.pk)
            if current.state != ImportState.RUNNING:
                device_import.refresh_from_db()
                return
            if current.cancel_requested:
                raise ImportCancelled
            # Declared meanwhile by someone else? The unique index would refuse the insert;
            # say so as a rejection rather than a failure.
            staging.report_duplicates_in_inventory()
            if staging.count(staging.errors):
                raise _DeclaredMeanwhile
            declaration = Declaration.objects.create(
                commune=device_import.commune,
                pickup_site=device_import.pickup_site,
                source=DeclarationSource.FILE,
                reference=device_import.original_name[:200],
                created_by=device_import.created_by,
                created_at=now,
            )
            inserted = staging.insert_devices(
                declaration_id=declaration.pk,
                commune_id=device_import.commune_id,
                actor_id=device_import.created_by_id,
                import_id=device_import.pk,
                now=now,
            )
            _record(
                device_import,
                ImportState.IMPORTED,
                Outcome.of("devices_declared", count=inserted),
                declaration=declaration,
            )
    except (_DeclaredMeanwhile, IntegrityError):
        rejected_before = staging.rejected_lines()
        staging.report_duplicates_in_inventory()
        _count_rows(device_import, staging, rejected_before)
        _reject(device_import, staging, max(staging.count(staging.errors), 1))
    logger.debug(
        "Device import %s: %s devices in %.2f s",
        device_import.pk,
        device_import.rows_valid,
        time.perf_counter() - started,
    )


class _DeclaredMeanwhile(Exception):
    pass
