"""Claims: a partner reserves declared devices, releases them, or the system expires them.

Each change runs a transition of the lifecycle through
:func:`inventory.services.device_transition`, which writes the device's event. E-mails are
queued to the worker once the transaction commits; a broker that does not answer is logged and
the change still stands (the e-mail is then not sent).
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

from common.errors import PermissionDenied, TransitionNotAllowed
from common.handoff import enqueue_on_commit
from inventory import lifecycle, permissions
from inventory.counts import device_counts_batch
from inventory.models import Declaration, Device
from inventory.services import device_transition
from organisations.models import Organisation, Site
from organisations.permissions import require_member
from reuse import selectors, tasks
from reuse.services.pickup import pickup_plans_release_devices


def _require_claimer(*, partner: Organisation, user: AbstractBaseUser) -> None:
    require_member(user, partner)
    if not permissions.may_claim(partner):
        raise PermissionDenied(_("Only a partner claims devices."), code="transition_forbidden")


def _claim_pks(
    pks: Iterable[int], *, partner: Organisation, user: AbstractBaseUser
) -> list[Device]:
    """Claim, in one transaction, every device of ``pks`` the lifecycle lets ``partner`` claim
    once locked (those still declared).

    The rows are locked in primary key order (no ``skip_locked``): a concurrent claim of the
    same devices waits for this one, then finds them claimed; two claims never deadlock.
    """
    pks = sorted(set(pks))
    now = timezone.now()
    claimed: list[Device] = []
    with transaction.atomic(durable=True):
        locked = list(
            Device.objects.select_for_update()
            .filter(pk__in=pks, state__in=lifecycle.transition_sources("claim"))
            .order_by("pk")
        )
        with device_counts_batch():
            for device in lifecycle.transition_check(locked, "claim", organisation=partner).allowed:
                claimed.append(
                    device_transition(
                        device=device,
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
            enqueue_on_commit(tasks.notify_devices_claimed, partner.pk, commune_pk, device_pks)
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
    pks = list(Device.objects.claimable().filter(pickup_site=site).values_list("pk", flat=True))
    claimed = _claim_pks(pks, partner=partner, user=user)
    if not claimed:
        _refuse_nothing_claimable(len(pks) or 2)
    return claimed


def device_release(
    *, device: Device, partner: Organisation, user: AbstractBaseUser, note: str = ""
) -> Device:
    """The claimant gives a claimed device back to the shared inventory; the commune is told
    by e-mail once the release commits."""
    with transaction.atomic(durable=True):
        released = device_transition(
            device=device, transition="release", user=user, organisation=partner, note=note
        )
        pickup_plans_release_devices(device_pks=[released.pk])
        enqueue_on_commit(
            tasks.notify_claim_released, partner.pk, released.commune_id, [released.pk], note
        )
    return released


def claims_expire_overdue(*, now: datetime.datetime | None = None) -> int:
    """Return to the inventory every claim older than the delay; tell both sides.

    Each device is re-checked once locked, so a claim collected or released meanwhile is
    left alone. Returns how many claims expired.
    """
    now = now or timezone.now()
    note = _("The claim expired: the device was not collected within %(days)d days.") % {
        "days": selectors.claim_expiry_delay().days
    }
    expired: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk in list(selectors.overdue_claims(now=now).values_list("pk", flat=True)):
        with transaction.atomic(durable=True):
            # Re-read through the selector once locked: a pickup planned meanwhile holds it.
            device = selectors.overdue_claims(now=now).select_for_update().filter(pk=pk).first()
            if device is None or not lifecycle.transition_check([device], "expire").allowed:
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
            pickup_plans_release_devices(device_pks=[pk])
            expired[(device.commune_id, partner_pk)].append(pk)
    for (commune_pk, partner_pk), device_pks in expired.items():
        enqueue_on_commit(tasks.notify_claims_expired, partner_pk, commune_pk, device_pks)
    return sum(len(device_pks) for device_pks in expired.values())
