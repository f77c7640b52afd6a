"""The groupement de commandes: the territory records its convention constitutive and its
members, each with the day its council or board approved it (CCP L2113-6 to L2113-8)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import limits
from common.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
    refuse_field_errors,
)
from organisations.models import Organisation
from organisations.permissions import require_member
from procurement import permissions
from procurement.choices import CAMPAIGN_RUNNING_STATES
from procurement.models import Commitment, Groupement, GroupementMember

_UNCHANGED = object()


def _require_coordinator(*, coordinator: Organisation, user: AbstractBaseUser) -> None:
    require_member(user, coordinator)
    if not permissions.may_coordinate(coordinator):
        raise PermissionDenied(
            _("Only the territory coordinates group purchasing."), code="not_the_coordinator"
        )


def _past_day(name: str, day: datetime.date, errors: dict[str, list[str]]) -> None:
    if day > timezone.localdate():
        errors[name] = [_("This date cannot be in the future.")]


def groupement_create(
    *,
    coordinator: Organisation,
    user: AbstractBaseUser,
    name: str,
    reference: str,
    convention_date: datetime.date,
) -> Groupement:
    """The territory records its groupement de commandes: a name, the reference and the date
    of its convention constitutive."""
    _require_coordinator(coordinator=coordinator, user=user)
    errors: dict[str, list[str]] = {}
    name = limits.clean_text(Groupement, "name", name, errors, required=True)
    reference = limits.clean_text(Groupement, "reference", reference, errors, required=True)
    _past_day("convention_date", convention_date, errors)
    refuse_field_errors(errors)
    try:
        with transaction.atomic(durable=True):
            return Groupement.objects.create(
                coordinator=coordinator,
                name=name,
                reference=reference,
                convention_date=convention_date,
                created_by=user,
            )
    except IntegrityError as error:
        raise _duplicate_reference() from error


def _duplicate_reference() -> ValidationFailed:
    message = _("A groupement of yours already has this reference.")
    return ValidationFailed(message, code="duplicate_reference", fields={"reference": [message]})


def groupement_update(
    *,
    groupement: Groupement,
    user: AbstractBaseUser,
    name: str | None = None,
    reference: str | None = None,
    convention_date: datetime.date | None = None,
) -> Groupement:
    """The territory corrects its groupement's name, reference or convention date."""
    with transaction.atomic(durable=True):
        locked = Groupement.objects.select_for_update().get(pk=groupement.pk)
        _require_coordinator(coordinator=locked.coordinator, user=user)
        errors: dict[str, list[str]] = {}
        if name is not None:
            locked.name = limits.clean_text(Groupement, "name", name, errors, required=True)
        if reference is not None:
            locked.reference = limits.clean_text(
                Groupement, "reference", reference, errors, required=True
            )
        if convention_date is not None:
            _past_day("convention_date", convention_date, errors)
            locked.convention_date = convention_date
        refuse_field_errors(errors)
        if (
            Groupement.objects.filter(coordinator=locked.coordinator, reference=locked.reference)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise _duplicate_reference()
        locked.save(update_fields=["name", "reference", "convention_date"])
    return locked


def groupement_member_add(
    *,
    groupement: Groupement,
    user: AbstractBaseUser,
    organisation: Organisation,
    approved_on: datetime.date,
    approval_reference: str = "",
) -> GroupementMember:
    """The territory records that a commune or a buyer joined its groupement: the day its
    council or board approved the convention (not in the future), and the deliberation's
    reference. It may then commit to the campaigns opening from that day."""
    _require_coordinator(coordinator=groupement.coordinator, user=user)
    errors: dict[str, list[str]] = {}
    if not permissions.may_join_groupement(organisation):
        errors["organisation"] = [_("Only communes and buyers join a groupement.")]
    _past_day("approved_on", approved_on, errors)
    approval_reference = limits.clean_text(
        GroupementMember, "approval_reference", approval_reference, errors
    )
    refuse_field_errors(errors)
    try:
        with transaction.atomic(durable=True):
            return GroupementMember.objects.create(
                groupement=groupement,
                organisation=organisation,
                approved_on=approved_on,
                approval_reference=approval_reference,
                added_by=user,
            )
    except IntegrityError as error:
        message = _("%(name)s is already a member of this groupement.") % {
            "name": organisation.name
        }
        raise ValidationFailed(
            message, code="already_member", fields={"organisation": [message]}
        ) from error


def groupement_member_update(
    *,
    member: GroupementMember,
    user: AbstractBaseUser,
    approved_on: datetime.date | None = None,
    approval_reference: str | None = None,
) -> GroupementMember:
    """The territory corrects a member's approval date or reference. A campaign already open
    keeps the members it had: eligibility is read when committing."""
    with transaction.atomic(durable=True):
        locked = (
            GroupementMember.objects.select_for_update()
            .select_related("groupement__coordinator", "organisation")
            .get(pk=member.pk)
        )
        _require_coordinator(coordinator=locked.groupement.coordinator, user=user)
        errors: dict[str, list[str]] = {}
        if approved_on is not None:
            _past_day("approved_on", approved_on, errors)
            locked.approved_on = approved_on
        if approval_reference is not None:
            locked.approval_reference = limits.clean_text(
                GroupementMember, "approval_reference", approval_reference, errors
            )
        refuse_field_errors(errors)
        locked.save(update_fields=["approved_on", "approval_reference"])
    return locked


def groupement_member_remove(*, member: GroupementMember, user: AbstractBaseUser) -> None:
    """The territory records that a member left the groupement; refused (409) while it is
    committed to a campaign that is open or closing."""
    with transaction.atomic(durable=True):
        locked = (
            GroupementMember.objects.select_for_update()
            .select_related("groupement__coordinator", "organisation")
            .get(pk=member.pk)
        )
        _require_coordinator(coordinator=locked.groupement.coordinator, user=user)
        if Commitment.objects.filter(
            buyer=locked.organisation,
            campaign__groupement=locked.groupement,
            campaign__state__in=CAMPAIGN_RUNNING_STATES,
        ).exists():
            raise TransitionNotAllowed(
                _(
                    "%(name)s is committed to a campaign under way: it leaves the groupement "
                    "once that campaign is allocated."
                )
                % {"name": locked.organisation.name},
                code="member_committed",
            )
        locked.delete()
