"""Who may see and do what: DESIGN.md's visibility rule, written once.

- The declared inventory is shared: every member of any organisation sees what is claimable.
- Everything else an organisation owns is visible only to that organisation, to the
  counterpart of a transaction, and read-only to the territory.
- Nobody changes another organisation's data outside a transition the rules give them.

Pages act on behalf of the user's *active* organisation; the API acts on behalf of any
organisation the user belongs to, chosen by the data of the request. Both call these functions,
and so do the services, so that no entry point can skip a rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from common.errors import PermissionDenied
from organisations.choices import MembershipRole
from organisations.models import Membership, Organisation

User = AbstractBaseUser | AnonymousUser

# Where a user object keeps its memberships, read once a request.
MEMBERSHIPS_ATTRIBUTE = "_boucle_memberships"


def active_memberships() -> QuerySet[Membership]:
    """Memberships of active organisations, their organisations joined, by organisation name:
    what :func:`memberships_of` reads of one user."""
    return (
        Membership.objects.filter(organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships, their organisations joined, cached on the user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, MEMBERSHIPS_ATTRIBUTE, None)
    if cached is None:
        cached = list(active_memberships().filter(user=user))
        setattr(user, MEMBERSHIPS_ATTRIBUTE, cached)
    return cached


def user_with_memberships(*, related: str = "user", **lookup) -> AbstractBaseUser | None:
    """The one user whose memberships of active organisations ``lookup`` finds, read with them
    in one query (``related``: the user, or a relation of the user to read as well), the
    memberships kept as what :func:`memberships_of` answers for that user; ``None`` when the
    lookup finds none (a user of no active organisation, or no such user).

    For the authentications, which read the user a request comes from and then whom they work
    for: one query where two were."""
    memberships = list(active_memberships().filter(**lookup).select_related(related))
    if not memberships:
        return None
    user = memberships[0].user
    for membership in memberships:
        membership.user = user
    setattr(user, MEMBERSHIPS_ATTRIBUTE, memberships)
    return user


def organisations_of(user: User) -> list[Organisation]:
    return [membership.organisation for membership in memberships_of(user)]


def membership_in(user: User, organisation: Organisation) -> Membership | None:
    for membership in memberships_of(user):
        if membership.organisation_id == organisation.pk:
            return membership
    return None


def is_member(user: User, organisation: Organisation) -> bool:
    return membership_in(user, organisation) is not None


def is_admin_of(user: User, organisation: Organisation) -> bool:
    membership = membership_in(user, organisation)
    return membership is not None and membership.role == MembershipRole.ADMIN


def require_member(user: User, organisation: Organisation) -> Membership:
    """The user's membership in ``organisation``, or a refusal."""
    membership = membership_in(user, organisation)
    if membership is None:
        raise PermissionDenied(code="not_a_member")
    return membership


def may_view(
    viewer: Organisation, *, owner: Organisation, counterparts: Iterable[Organisation] = ()
) -> bool:
    """Whether ``viewer`` may read private data that ``owner`` holds.

    The owner and the counterparts of the transaction may; the territory reads everything.
    """
    if viewer.is_territory or viewer.pk == owner.pk:
        return True
    return any(viewer.pk == counterpart.pk for counterpart in counterparts)


def may_change(actor: Organisation, *, owner: Organisation) -> bool:
    """Only the owner changes its own data; the territory's read access is read-only."""
    return actor.pk == owner.pk


def may_manage_members(user: User, organisation: Organisation) -> bool:
    """An organisation's administrators see its members and unlock their accounts."""
    return is_admin_of(user, organisation)


def require_members_manager(user: User, organisation: Organisation) -> None:
    """Nothing, or a refusal when ``user`` may not manage the members of ``organisation``."""
    if not may_manage_members(user, organisation):
        raise PermissionDenied(
            _("Only an administrator of the organisation may manage its members."),
            code="not_an_admin",
        )


def may_manage_sites(user: User, organisation: Organisation) -> bool:
    """An organisation's administrators add, correct and close its sites."""
    return is_admin_of(user, organisation)


def require_sites_manager(user: User, organisation: Organisation) -> None:
    """Nothing, or a refusal when ``user`` may not manage the sites of ``organisation``."""
    if not may_manage_sites(user, organisation):
        raise PermissionDenied(
            _("Only an administrator of the organisation may manage its sites."),
            code="not_an_admin",
        )


def may_read_audit(user: User, organisation: Organisation) -> bool:
    """An organisation's administrators read the log of changes to its sites and members."""
    return is_admin_of(user, organisation)
