"""Writes to organisations, their sites and their members.

Platform operators create organisations (the admin, the demo seed); an organisation's
administrators manage its sites and members. Each service validates the whole object before
saving it.

The set-up services (``organisation_create``, ``site_create``, ``membership_create``) are not
durable: the demo seeding creates the territory in one transaction of its own. The services an
administrator calls (``site_add``, ``site_update``, ``site_close``, ``member_invite``,
``membership_role_change``, ``membership_remove``) check who may act, open the durable
transaction and write their audit entry in it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from common.errors import NotFound, ValidationFailed
from common.handoff import enqueue_on_commit
from organisations import tasks
from organisations.choices import AuditAction, MembershipRole
from organisations.models import AuditEntry, Membership, Organisation, Site
from organisations.permissions import require_members_manager, require_sites_manager

# What an administrator may set on a site; the organisation and the open flag are not among them.
SITE_FIELDS = (
    "name",
    "address",
    "postal_code",
    "city",
    "is_pickup",
    "is_delivery",
    "contact_name",
    "contact_phone",
)


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


def _audit(
    *,
    organisation: Organisation,
    actor: AbstractBaseUser,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        organisation=organisation,
        actor=actor,
        action=action,
        target=target[:255],
        details=details or {},
    )


def _site_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(attributes) - set(SITE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown site fields: {sorted(unknown)}")
    return {
        field: value.strip() if isinstance(value, str) else value
        for field, value in attributes.items()
    }


def _check_site_name_free(site: Site) -> None:
    clash = Site.objects.filter(organisation=site.organisation_id, name=site.name)
    if site.pk is not None:
        clash = clash.exclude(pk=site.pk)
    if clash.exists():
        message = _("%(organisation)s already has a site named “%(name)s”.") % {
            "organisation": site.organisation.name,
            "name": site.name,
        }
        raise ValidationFailed(message, code="site_name_taken", fields={"name": [message]})


def _check_site_kind(site: Site) -> None:
    if not (site.is_pickup or site.is_delivery):
        message = _("A site is a pickup address, a delivery address, or both.")
        raise ValidationFailed(message, code="site_without_use", fields={"is_pickup": [message]})


def site_add(
    *, organisation: Organisation, actor: AbstractBaseUser, name: str, **attributes: Any
) -> Site:
    """An administrator adds a pickup or delivery address to their organisation."""
    require_sites_manager(actor, organisation)
    site = Site(organisation=organisation, name=name.strip(), **_site_attributes(attributes))
    with transaction.atomic(durable=True):
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        _check_site_name_free(site)
        _check_site_kind(site)
        _save_valid(site)
        _audit(
            organisation=organisation,
            actor=actor,
            action=AuditAction.SITE_ADDED,
            target=site.name,
            details={"site": site.pk, **{field: getattr(site, field) for field in SITE_FIELDS}},
        )
    return site


def site_update(*, site: Site, actor: AbstractBaseUser, **attributes: Any) -> Site:
    """An administrator corrects a site of their organisation; the audit entry keeps what
    changed, before and after."""
    require_sites_manager(actor, site.organisation)
    changes = _site_attributes(attributes)
    with transaction.atomic(durable=True):
        locked = Site.objects.select_for_update().select_related("organisation").get(pk=site.pk)
        before = {field: getattr(locked, field) for field in SITE_FIELDS}
        for field, value in changes.items():
            setattr(locked, field, value)
        changed = {
            field: [old, getattr(locked, field)]
            for field, old in before.items()
            if old != getattr(locked, field)
        }
        if not changed:
            return locked
        _check_site_name_free(locked)
        _check_site_kind(locked)
        _save_valid(locked)
        _audit(
            organisation=locked.organisation,
            actor=actor,
            action=AuditAction.SITE_CHANGED,
            target=locked.name,
            details={"site": locked.pk, "changed": changed},
        )
    return locked


def site_close(*, site: Site, actor: AbstractBaseUser) -> Site:
    """An administrator closes a site: it keeps its devices but is no longer offered."""
    require_sites_manager(actor, site.organisation)
    with transaction.atomic(durable=True):
        locked = Site.objects.select_for_update().select_related("organisation").get(pk=site.pk)
        if not locked.is_active:
            raise ValidationFailed(
                _("The site “%(name)s” is already closed.") % {"name": locked.name},
                code="site_closed",
            )
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        _audit(
            organisation=locked.organisation,
            actor=actor,
            action=AuditAction.SITE_CLOSED,
            target=locked.name,
            details={"site": locked.pk},
        )
    return locked


def _check_role(role: str) -> None:
    if role not in MembershipRole.values:
        message = _("Choose a role: administrator or staff.")
        raise ValidationFailed(message, code="invalid_role", fields={"role": [message]})


def _new_username(email: str) -> str:
    User = get_user_model()
    # The address's local part, in the characters Django's usernames allow.
    base = re.sub(r"[^\w.+-]", "", email.split("@")[0].lower())[:140] or "member"
    username, number = base, 1
    while User.objects.filter(username=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


def member_invite(
    *,
    organisation: Organisation,
    actor: AbstractBaseUser,
    email: str,
    role: str = MembershipRole.STAFF,
    first_name: str = "",
    last_name: str = "",
    site_root: str,
) -> Membership:
    """An administrator invites a person to their organisation by e-mail.

    The person's account is created when no account has this address, without a password;
    the invitation e-mail, sent once the transaction commits, links to the page where they
    choose it (Django's password reset token: no token is stored). ``site_root`` is the
    scheme and host the link starts with.
    """
    require_members_manager(actor, organisation)
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as error:
        message = _("Enter a valid e-mail address.")
        raise ValidationFailed(
            message, code="invalid_email", fields={"email": [message]}
        ) from error
    _check_role(role)
    User = get_user_model()
    with transaction.atomic(durable=True):
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        user = User.objects.filter(email__iexact=email).order_by("pk").first()
        created = user is None
        if created:
            user = User(
                username=_new_username(email),
                email=email,
                first_name=first_name.strip()[:150],
                last_name=last_name.strip()[:150],
            )
            user.set_unusable_password()
            user.save()
        elif Membership.objects.filter(organisation=organisation, user=user).exists():
            message = _("%(email)s is already a member of %(organisation)s.") % {
                "email": email,
                "organisation": organisation.name,
            }
            raise ValidationFailed(message, code="already_a_member", fields={"email": [message]})
        membership = Membership(organisation=organisation, user=user, role=role)
        _save_valid(membership)
        _audit(
            organisation=organisation,
            actor=actor,
            action=AuditAction.MEMBER_INVITED,
            target=user.get_username(),
            details={"email": email, "role": role, "account_created": created},
        )
        enqueue_on_commit(
            tasks.send_invitation, membership.pk, actor.pk, site_root, translation.get_language()
        )
    return membership


def _lock_memberships(organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.select_for_update().filter(organisation=organisation).order_by("pk")
    )


def _refuse_losing_last_admin(
    memberships: list[Membership], membership: Membership, *, removing: bool
) -> None:
    admins = [each for each in memberships if each.role == MembershipRole.ADMIN]
    if membership.role == MembershipRole.ADMIN and len(admins) == 1:
        message = (
            _("The last administrator of an organisation cannot be removed: name another first.")
            if removing
            else _("The last administrator of an organisation stays one: name another first.")
        )
        raise ValidationFailed(message, code="last_admin")


def membership_role_change(
    *, membership: Membership, role: str, actor: AbstractBaseUser
) -> Membership:
    """An administrator makes a member an administrator or staff; an organisation always keeps
    one administrator."""
    organisation = membership.organisation
    require_members_manager(actor, organisation)
    _check_role(role)
    with transaction.atomic(durable=True):
        memberships = _lock_memberships(organisation)
        locked = next((each for each in memberships if each.pk == membership.pk), None)
        if locked is None:
            raise NotFound(_("This person is no longer a member."), code="not_a_member")
        if locked.role == role:
            return locked
        if role != MembershipRole.ADMIN:
            _refuse_losing_last_admin(memberships, locked, removing=False)
        before = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        _audit(
            organisation=organisation,
            actor=actor,
            action=AuditAction.ROLE_CHANGED,
            target=locked.user.get_username(),
            details={"role": [before, role]},
        )
    return locked


def membership_remove(*, membership: Membership, actor: AbstractBaseUser) -> None:
    """An administrator removes a person from their organisation (their account stays, with
    their other memberships); an organisation always keeps one administrator."""
    organisation = membership.organisation
    require_members_manager(actor, organisation)
    with transaction.atomic(durable=True):
        memberships = _lock_memberships(organisation)
        locked = next((each for each in memberships if each.pk == membership.pk), None)
        if locked is None:
            raise NotFound(_("This person is no longer a member."), code="not_a_member")
        _refuse_losing_last_admin(memberships, locked, removing=True)
        username = locked.user.get_username()
        role = locked.role
        locked.delete()
        _audit(
            organisation=organisation,
            actor=actor,
            action=AuditAction.MEMBER_REMOVED,
            target=username,
            details={"role": role},
        )
