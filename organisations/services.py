"""Writes to organisations, their sites and their members.

Platform operators create organisations (the admin, the demo seed); an organisation's
administrators manage its members. Each service validates the whole object before saving it.

Their transactions are not durable: the demo seeding creates the territory's organisations,
sites and members in one transaction of its own (``organisations/demo.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import NotFound, ValidationFailed
from organisations.choices import MembershipRole
from organisations.models import Membership, Organisation, Site
from organisations.permissions import require_members_manager


def _save_valid(instance: Organisation | Site | Membership) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        fields = {
            field: [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
        raise ValidationFailed(
            next(iter(fields.values()))[0], code="invalid", fields=fields
        ) from error
    instance.save()


@transaction.atomic
def organisation_create(*, kind: str, name: str, slug: str, **attributes: Any) -> Organisation:
    """Create an organisation of the territory after checking its identifiers."""
    organisation = Organisation(kind=kind, name=name, slug=slug, **attributes)
    _save_valid(organisation)
    return organisation


@transaction.atomic
def site_create(*, organisation: Organisation, name: str, **attributes: Any) -> Site:
    """Add a pickup or delivery address to an organisation."""
    site = Site(organisation=organisation, name=name, **attributes)
    _save_valid(site)
    return site


@transaction.atomic
def membership_create(
    *, organisation: Organisation, user: AbstractBaseUser, role: str = MembershipRole.STAFF
) -> Membership:
    """Make ``user`` a member of ``organisation`` with ``role``."""
    membership = Membership(organisation=organisation, user=user, role=role)
    _save_valid(membership)
    return membership


logger = logging.getLogger(__name__)


def member_unlock(*, organisation: Organisation, username: str, actor: AbstractBaseUser) -> int:
    """Forget the login failures of a member of ``organisation``, which unlocks their account
    at once; returns the number of failure records removed.

    Only an administrator of ``organisation`` may, and only for its own members: another
    organisation's user is answered as an unknown one, so usernames cannot be probed.
    """
    require_members_manager(actor, organisation)
    if not Membership.objects.filter(organisation=organisation, user__username=username).exists():
        raise NotFound(
            _("%(organisation)s has no member with this username.")
            % {"organisation": organisation.name},
            code="not_a_member",
        )
    removed = axes_reset(username=username)
    logger.info(
        "Login failures of %s forgotten by %s for %s: %d record(s).",
        username,
        actor.get_username(),
        organisation.slug,
        removed,
    )
    return removed
