"""Collections: the partner takes the claimed devices away, on a collection note that also
records the free cession (CG3P L3212-2 3°)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.choices import DocumentKind
from documents.services import document_request
from inventory import lifecycle, permissions
from inventory.counts import device_counts_batch
from inventory.models import Device
from inventory.services import device_transition
from organisations.models import Organisation, Site
from organisations.permissions import require_member
from reuse import permissions as reuse_permissions
from reuse.choices import PickupState
from reuse.document_titles import collection_note_title
from reuse.models import (
    Collection,
    CollectionDevice,
    PickupPlan,
)
from reuse.services.pickup import pickup_plans_release_devices

COLLECTION_NOTE_TEMPLATE = "reuse/documents/collection_note.html"


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
    plan: PickupPlan | None = None,
) -> Collection:
    """Record that ``partner`` collected ``devices`` from their commune, and request the note.

    Every device must be claimed by the partner and declared by one commune (else 400, or
    403 for a device another partner claimed); the partner must hold a current ESUS approval
    (else 409 with the legal reason, as the lifecycle's condition says). The devices are
    locked in primary key order and collected in one transaction, which also requests the
    collection note (produced once it commits). Nothing changes when anything is refused.

    Recorded from a confirmed ``plan`` (else 409), the devices are the plan's and the plan
    becomes done. Collected devices leave any open plan; a plan left with none is done.
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
        # The claimant comes with each device: the lifecycle's condition reads it.
        locked = list(
            Device.objects.select_for_update(of=("self",))
            .select_related("claimed_by")
            .filter(pk__in=pks)
            .order_by("pk")
        )
        if len(locked) != len(pks):
            raise NotFound(_("No such device."), code="device_not_found")
        # The plan is locked after its devices, as a release or an expiry does.
        if plan is not None:
            plan = PickupPlan.objects.select_for_update().get(pk=plan.pk)
            if plan.partner_id != partner.pk:
                raise PermissionDenied(
                    _("Only the partner of a planned pickup records its collection."),
                    code="transition_forbidden",
                )
            if plan.state != PickupState.CONFIRMED:
                raise TransitionNotAllowed(
                    _("Only a confirmed pickup is recorded as collected."),
                    code="pickup_not_confirmed",
                )
            plan_pks = set(plan.items.filter(is_open=True).values_list("device", flat=True))
            if not set(pks) <= plan_pks:
                raise ValidationFailed(
                    _("Record the collection of the planned pickup's devices only."),
                    code="not_planned",
                )
        if not partner.has_esus_approval():
            raise TransitionNotAllowed(
                str(permissions.claimant_has_esus_approval.message),
                code=permissions.claimant_has_esus_approval.code,
            )
        check = lifecycle.transition_check(locked, "collect", organisation=partner)
        others = sorted(
            refusal.device.code
            for refusal in check.forbidden
            if refusal.device.claimed_by_id is not None
        )
        if others:
            raise PermissionDenied(
                _("These devices are claimed by another partner: %(codes)s.")
                % {"codes": ", ".join(others)},
                code="transition_forbidden",
            )
        not_claimed = sorted(refusal.device.code for refusal in check.refused)
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
        with device_counts_batch():
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
            title=collection_note_title({"devices": collected, "commune": {"name": commune.name}}),
            template=COLLECTION_NOTE_TEMPLATE,
            context=_collection_note_context(collection, collected),
            created_by=user,
            idempotency_key=f"collection-{collection.pk}",
            device_codes=[device.code for device in collected],
        )
        collection.save(update_fields=["document"])
        pickup_plans_release_devices(device_pks=pks, collection=collection)
    return collection
