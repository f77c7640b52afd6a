"""Claims and collections: a partner reserves declared devices, releases them, or the system
expires them; the partner then collects them, on a collection note.

Every change runs a transition of the lifecycle through
:func:`inventory.services.device_transition`, which writes the device's event. E-mails leave
once the transaction commits.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.exceptions import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.choices import DocumentKind
from documents.services import document_request
from inventory import permissions
from inventory.choices import DeviceState
from inventory.models import Declaration, Device
from inventory.services import device_transition
from organisations.models import Organisation, Site
from organisations.permissions import require_member
from reuse import permissions as reuse_permissions
from reuse import selectors, tasks
from reuse.models import Collection, CollectionDevice

COLLECTION_NOTE_TEMPLATE = "reuse/documents/collection_note.html"


def _require_claimer(*, partner: Organisation, user: AbstractBaseUser) -> None:
    require_member(user, partner)
    if not permissions.may_claim(partner):
        raise PermissionDenied(_("Only a partner claims devices."), code="transition_forbidden")


def _claim_pks(
    pks: Iterable[int], *, partner: Organisation, user: AbstractBaseUser
) -> list[Device]:
    """Claim, in one transaction, every device of ``pks`` still declared once locked.

    The rows are locked in primary key order (no ``skip_locked``): a concurrent claim of the
    same devices waits for this one, then finds them claimed; two claims never deadlock.
    """
    pks = sorted(set(pks))
    now = timezone.now()
    claimed: list[Device] = []
    with transaction.atomic():
        locked = list(
            Device.objects.select_for_update()
            .filter(pk__in=pks, state=DeviceState.DECLARED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for pk in locked:
            claimed.append(
                device_transition(
                    device=Device(pk=pk),
                    transition="claim",
                    user=user,
                    organisation=partner,
                    claimant=partner,
                    at=now,
                )
            )
        by_commune: dict[int, list[int]] = defaultdict(list)
        for device in claimed:
            by_commune[device.commune_id].append(device.pk)
        for commune_pk, device_pks in by_commune.items():
            transaction.on_commit(
                lambda commune_pk=commune_pk, device_pks=device_pks: (
                    tasks.notify_devices_claimed.delay(partner.pk, commune_pk, device_pks)
                )
            )
    return claimed


def _refuse_nothing_claimable(requested: int) -> None:
    raise TransitionNotAllowed(
        ngettext(
            "This device is no longer available: it is not declared any more.",
            "None of these devices is available any more: none is still declared.",
            requested,
        ),
        code="not_available",
    )


def devices_claim(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    devices: Iterable[Device] | None = None,
    codes: Iterable[str] | None = None,
) -> list[Device]:
    """Claim one device or a selection (devices or codes) for ``partner``.

    Every device of the selection still declared is claimed, at once; the others are left
    out (compare the codes to tell which were no longer available). When none is, the
    claim is refused (409).
    """
    if (devices is None) == (codes is None):
        raise ValueError("Pass either devices or codes.")
    _require_claimer(partner=partner, user=user)
    if devices is not None:
        pks = [device.pk for device in devices]
        requested = len(pks)
    else:
        codes = list(codes)
        pks = list(selectors.devices_by_codes(codes).values_list("pk", flat=True))
        requested = len(set(codes))
    claimed = _claim_pks(pks, partner=partner, user=user)
    if requested and not claimed:
        _refuse_nothing_claimable(requested)
    return claimed


def declaration_claim(
    *, declaration: Declaration, partner: Organisation, user: AbstractBaseUser
) -> list[Device]:
    """Claim every device of a declaration still declared."""
    _require_claimer(partner=partner, user=user)
    pks = list(declaration.devices.values_list("pk", flat=True))
    claimed = _claim_pks(pks, partner=partner, user=user)
    if not claimed:
        _refuse_nothing_claimable(len(pks) or 2)
    return claimed


def site_claim(*, site: Site, partner: Organisation, user: AbstractBaseUser) -> list[Device]:
    """Claim every device still declared at a pickup site."""
    _require_claimer(partner=partner, user=user)
    pks = list(
        Device.objects.filter(pickup_site=site, state=DeviceState.DECLARED).values_list(
            "pk", flat=True
        )
    )
    claimed = _claim_pks(pks, partner=partner, user=user)
    if not claimed:
        _refuse_nothing_claimable(len(pks) or 2)
    return claimed


def device_release(
    *, device: Device, partner: Organisation, user: AbstractBaseUser, note: str = ""
) -> Device:
    """The claimant gives a claimed device back to the shared inventory."""
    return device_transition(
        device=device, transition="release", user=user, organisation=partner, note=note
    )


def claims_expire_overdue(*, now: datetime.datetime | None = None) -> int:
    """Return to the inventory every claim older than the delay; tell both sides.

    Each device is re-checked once locked, so a claim collected or released meanwhile is
    left alone. Returns how many claims expired.
    """
    now = now or timezone.now()
    cutoff = now - selectors.claim_expiry_delay()
    note = _("The claim expired: the device was not collected within %(days)d days.") % {
        "days": selectors.claim_expiry_delay().days
    }
    expired: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk in list(selectors.overdue_claims(now=now).values_list("pk", flat=True)):
        with transaction.atomic():
            device = (
                Device.objects.select_for_update()
                .filter(pk=pk, state=DeviceState.CLAIMED, claimed_at__lte=cutoff)
                .first()
            )
            if device is None:
                continue
            partner_pk = device.claimed_by_id
            device_transition(
                device=device,
                transition="expire",
                user=None,
                organisation=None,
                note=note,
                details={"claimed_by": partner_pk, "claimed_at": device.claimed_at.isoformat()},
            )
            expired[(device.commune_id, partner_pk)].append(pk)
    for (commune_pk, partner_pk), device_pks in expired.items():
        transaction.on_commit(
            lambda commune_pk=commune_pk, partner_pk=partner_pk, device_pks=device_pks: (
                tasks.notify_claims_expired.delay(partner_pk, commune_pk, device_pks)
            )
        )
    return sum(len(device_pks) for device_pks in expired.values())


def _collection_note_context(collection: Collection, devices: list[Device]) -> dict:
    """What the collection note shows (templates/reuse/documents/collection_note.html)."""
    commune, partner, site = collection.commune, collection.partner, collection.site
    return {
        "date": collection.collected_on.isoformat(),
        "commune": {
            "name": commune.name,
            "siret": commune.siret,
            "insee_code": commune.insee_code,
            "address": "",
        },
        "partner": {
            "name": partner.name,
            "siret": partner.siret,
            "esus_approval_reference": partner.esus_approval_reference,
            "esus_approval_valid_until": (
                partner.esus_approval_valid_until.isoformat()
                if partner.esus_approval_valid_until
                else None
            ),
        },
        "site": {"name": site.name, "address": site.full_address} if site else None,
        "devices": [
            {
                "code": device.code,
                "category": str(device.get_category_display()),
                "brand": device.brand,
                "model": device.model,
                "serial_number": device.serial_number,
            }
            for device in sorted(devices, key=lambda device: device.code)
        ],
        "signatories": {
            "commune": {
                "name": collection.commune_signatory,
                "role": collection.commune_signatory_title,
            },
            "partner": {
                "name": collection.partner_signatory,
                "role": collection.partner_signatory_title,
            },
        },
    }


def collection_record(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    devices: Iterable[Device],
    collected_on: datetime.date,
    site: Site | None,
    commune_signatory: str,
    commune_signatory_title: str,
    partner_signatory: str,
    partner_signatory_title: str,
) -> Collection:
    """Record that ``partner`` collected ``devices`` from their commune, and request the note.

    Every device must be claimed by the partner and declared by one commune (else 400, or
    403 for a device another partner claimed); the partner must hold a current ESUS approval
    (else 409 with the legal reason, as the lifecycle's condition says). The devices are
    locked in primary key order and collected in one transaction, which also requests the
    collection note (produced once it commits). Nothing changes when anything is refused.
    """
    require_member(user, partner)
    if not reuse_permissions.may_record_collection(partner):
        raise PermissionDenied(
            _("Only a partner records a collection."), code="transition_forbidden"
        )
    pks = sorted({device.pk for device in devices})
    if not pks:
        raise ValidationFailed(
            _("Select at least one device."), code="invalid", fields={"codes": [_("Required.")]}
        )
    if collected_on > timezone.localdate():
        raise ValidationFailed(
            _("The collection date cannot be in the future."),
            code="invalid",
            fields={"collected_on": [_("The collection date cannot be in the future.")]},
        )
    signatories = {
        "commune_signatory": commune_signatory.strip(),
        "commune_signatory_title": commune_signatory_title.strip(),
        "partner_signatory": partner_signatory.strip(),
        "partner_signatory_title": partner_signatory_title.strip(),
    }
    missing = {name: [_("Required.")] for name, value in signatories.items() if not value}
    if missing:
        raise ValidationFailed(
            _("Name both signatories and their titles."), code="invalid", fields=missing
        )

    with transaction.atomic(durable=True):
        locked = list(Device.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
        if len(locked) != len(pks):
            raise NotFound(_("No such device."), code="device_not_found")
        if not partner.has_esus_approval():
            raise TransitionNotAllowed(
                str(permissions.claimant_has_esus_approval.message), code="partner_not_esus"
            )
        others = sorted(
            device.code
            for device in locked
            if device.claimed_by_id is not None and device.claimed_by_id != partner.pk
        )
        if others:
            raise PermissionDenied(
                _("These devices are claimed by another partner: %(codes)s.")
                % {"codes": ", ".join(others)},
                code="transition_forbidden",
            )
        not_claimed = sorted(
            device.code
            for device in locked
            if device.state != DeviceState.CLAIMED or device.claimed_by_id != partner.pk
        )
        if not_claimed:
            raise ValidationFailed(
                _("These devices are not claimed by your organisation: %(codes)s.")
                % {"codes": ", ".join(not_claimed)},
                code="not_claimed",
                fields={"codes": not_claimed},
            )
        communes = {device.commune_id for device in locked}
        if len(communes) != 1:
            raise ValidationFailed(
                _("A collection takes devices of one commune only: record one per commune."),
                code="several_communes",
            )
        commune = locked[0].commune
        if site is not None and site.organisation_id != commune.pk:
            raise ValidationFailed(
                _("The pickup site must belong to the devices' commune."),
                code="foreign_site",
                fields={"site": [_("The pickup site must belong to the devices' commune.")]},
            )
        collection = Collection.objects.create(
            partner=partner,
            commune=commune,
            site=site,
            collected_on=collected_on,
            created_by=user,
            **signatories,
        )
        collected = [
            device_transition(
                device=device,
                transition="collect",
                user=user,
                organisation=partner,
                details={"collection": collection.pk},
            )
            for device in locked
        ]
        CollectionDevice.objects.bulk_create(
            CollectionDevice(collection=collection, device=device) for device in collected
        )
        collection.document = document_request(
            kind=DocumentKind.COLLECTION_NOTE,
            owner=partner,
            counterpart=commune,
            title=ngettext(
                "Collection of %(count)d device at %(commune)s",
                "Collection of %(count)d devices at %(commune)s",
                len(collected),
            )
            % {"count": len(collected), "commune": commune.name},
            template=COLLECTION_NOTE_TEMPLATE,
            context=_collection_note_context(collection, collected),
            created_by=user,
            idempotency_key=f"collection-{collection.pk}",
        )
        collection.save(update_fields=["document"])
    return collection
