"""Planned pickups: the claiming partner proposes a day, a slot and a site for some of its
claimed devices; the commune confirms or proposes another day, which the partner confirms;
either side cancels; recording the collection from the plan makes it done.

Each service locks the plan (and, to propose, the devices in primary key order), runs one
transition of :class:`reuse.models.PickupPlan`, which records who and when, and e-mails the
other side once the transaction commits.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from common.handoff import enqueue_on_commit
from inventory.choices import DeviceState
from inventory.models import Device
from organisations.models import Organisation, Site
from organisations.permissions import is_member, require_member
from reuse import permissions as reuse_permissions
from reuse import tasks
from reuse.choices import OPEN_PICKUP_STATES, PickupState
from reuse.models import Collection, PickupPlan, PickupPlanDevice


def _check_day_and_slot(
    *, date: datetime.date, starts_at: datetime.time, ends_at: datetime.time
) -> None:
    """A day from today (in Europe/Paris) to the horizon, a slot that ends after it starts."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if date < today:
        errors["date"] = [_("The pickup day cannot be in the past.")]
    elif date > today + datetime.timedelta(days=settings.BOUCLE_PICKUP_MAX_DAYS_AHEAD):
        errors["date"] = [
            _("Plan a pickup at most %(days)d days ahead.")
            % {"days": settings.BOUCLE_PICKUP_MAX_DAYS_AHEAD}
        ]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The time slot must end after it starts.")]
    if errors:
        message = next(iter(errors.values()))[0]
        raise ValidationFailed(message, code="invalid", fields=errors)


def _notify(plan: PickupPlan, kind: str, recipient: Organisation) -> None:
    enqueue_on_commit(tasks.notify_pickup, plan.pk, kind, recipient.pk)


def pickup_propose(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    devices: Iterable[Device],
    site: Site,
    date: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    note: str = "",
) -> PickupPlan:
    """``partner`` proposes to pick up some of the devices it claimed, at one of their
    commune's pickup sites, on ``date`` between ``starts_at`` and ``ends_at``.

    Every device must be claimed by the partner (else 403 for another partner's claim, 400
    otherwise), of one commune, and in no other open plan (409 ``already_planned``); the day
    is today or later (Europe/Paris), within the horizon. The commune is told by e-mail.
    """
    require_member(user, partner)
    if not reuse_permissions.may_plan_pickup(partner):
        raise PermissionDenied(_("Only a partner plans a pickup."), code="transition_forbidden")
    pks = sorted({device.pk for device in devices})
    if not pks:
        raise ValidationFailed(
            _("Select at least one device."), code="invalid", fields={"codes": [_("Required.")]}
        )
    _check_day_and_slot(date=date, starts_at=starts_at, ends_at=ends_at)
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = list(
            Device.objects.select_for_update(of=("self",))
            .select_related("commune")
            .filter(pk__in=pks)
            .order_by("pk")
        )
        if len(locked) != len(pks):
            raise NotFound(_("No such device."), code="device_not_found")
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
        if len({device.commune_id for device in locked}) != 1:
            raise ValidationFailed(
                _("A pickup takes devices of one commune only: plan one per commune."),
                code="several_communes",
            )
        commune = locked[0].commune
        if site.organisation_id != commune.pk or not site.is_pickup:
            raise ValidationFailed(
                _("Choose a pickup site of the devices' commune."),
                code="foreign_site",
                fields={"site": [_("Choose a pickup site of the devices' commune.")]},
            )
        planned = sorted(
            PickupPlanDevice.objects.filter(device__in=pks, is_open=True).values_list(
                "device__code", flat=True
            )
        )
        if planned:
            raise TransitionNotAllowed(
                _("These devices are already in a planned pickup: %(codes)s.")
                % {"codes": ", ".join(planned)},
                code="already_planned",
            )
        plan = PickupPlan.objects.create(
            partner=partner,
            commune=commune,
            site=site,
            date=date,
            starts_at=starts_at,
            ends_at=ends_at,
            note=note.strip(),
            proposed_by=user,
            proposed_at=now,
        )
        PickupPlanDevice.objects.bulk_create(
            PickupPlanDevice(plan=plan, device=device) for device in locked
        )
        _notify(plan, "proposed", commune)
    return plan


def _locked(plan: PickupPlan) -> PickupPlan:
    return (
        PickupPlan.objects.select_for_update().select_related("partner", "commune").get(pk=plan.pk)
    )


def _refuse_state(plan: PickupPlan) -> None:
    messages = {
        PickupState.CONFIRMED: _("This pickup is already confirmed."),
        PickupState.DONE: _("This pickup is done: its collection is recorded."),
        PickupState.CANCELLED: _("This pickup was cancelled."),
        PickupState.COUNTER_PROPOSED: _("Another date was proposed: the partner confirms it."),
        PickupState.PROPOSED: _("This pickup waits for the commune's answer."),
    }
    raise TransitionNotAllowed(messages[plan.state], code="transition_not_allowed")


def _run(
    plan: PickupPlan, transition: str, *, actor: AbstractBaseUser, forbidden: str, **arguments
):
    """Run ``transition`` on the locked plan by ``actor``: 409 when its state forbids it, 403
    when ``actor`` is not the side that may; the plan is saved."""
    method = getattr(plan, transition)
    if not can_proceed(method):
        _refuse_state(plan)
    if not has_transition_perm(method, actor):
        raise PermissionDenied(forbidden, code="transition_forbidden")
    method(user=actor, **arguments)
    plan.save()


def pickup_confirm(*, plan: PickupPlan, user: AbstractBaseUser) -> PickupPlan:
    """The side the proposal waits for confirms it: the commune a partner's proposal, the
    partner the commune's other date. The other side is told by e-mail."""
    with transaction.atomic(durable=True):
        plan = _locked(plan)
        waited_for_partner = plan.state == PickupState.COUNTER_PROPOSED
        _run(
            plan,
            "confirm",
            actor=user,
            forbidden=_("The partner confirms the other date you proposed.")
            if waited_for_partner
            else _("Only the commune's members confirm a proposed pickup."),
            at=timezone.now(),
        )
        _notify(plan, "confirmed", plan.commune if waited_for_partner else plan.partner)
    return plan


def pickup_counter_propose(
    *,
    plan: PickupPlan,
    user: AbstractBaseUser,
    date: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    note: str = "",
) -> PickupPlan:
    """The commune proposes another day or slot for a partner's proposal; the partner is told
    by e-mail and confirms it (or cancels)."""
    _check_day_and_slot(date=date, starts_at=starts_at, ends_at=ends_at)
    with transaction.atomic(durable=True):
        plan = _locked(plan)
        _run(
            plan,
            "counter_propose",
            actor=user,
            forbidden=_("Only the commune's members propose another date."),
            at=timezone.now(),
            date=date,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        if note.strip():
            plan.note = note.strip()
            plan.save(update_fields=["note"])
        _notify(plan, "counter_proposed", plan.partner)
    return plan


def pickup_cancel(*, plan: PickupPlan, user: AbstractBaseUser) -> PickupPlan:
    """Either side calls an open pickup off; its devices stay claimed, under the claim's own
    delay again. The other side is told by e-mail."""
    with transaction.atomic(durable=True):
        plan = _locked(plan)
        _run(
            plan,
            "cancel",
            actor=user,
            forbidden=_("Only the partner and the commune of a pickup cancel it."),
            at=timezone.now(),
        )
        plan.items.update(is_open=False)
        by_partner = is_member(user, plan.partner)
        _notify(plan, "cancelled", plan.commune if by_partner else plan.partner)
    return plan


def pickup_plans_release_devices(
    *, device_pks: Iterable[int], collection: Collection | None = None
) -> None:
    """Take devices out of their open plans, in the caller's transaction: they were collected
    (``collection``), released or their claim expired. A plan left without devices is done
    when they were collected, cancelled otherwise."""
    device_pks = list(device_pks)
    plan_pks = sorted(
        set(
            PickupPlanDevice.objects.filter(device__in=device_pks, is_open=True).values_list(
                "plan", flat=True
            )
        )
    )
    if not plan_pks:
        return
    plans = list(
        PickupPlan.objects.select_for_update()
        .filter(pk__in=plan_pks, state__in=OPEN_PICKUP_STATES)
        .order_by("pk")
    )
    PickupPlanDevice.objects.filter(device__in=device_pks, is_open=True).update(is_open=False)
    now = timezone.now()
    for plan in plans:
        if plan.items.filter(is_open=True).exists():
            continue
        if collection is not None:
            plan.complete(collection=collection, at=now)
        else:
            plan.cancel(user=None, at=now)
        plan.save()
