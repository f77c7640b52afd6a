from organisations.active import active_membership
from organisations.permissions import memberships_of


def active_organisation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = active_membership(request)
    return {
        "active_membership": membership,
        "active_organisation": membership.organisation if membership else None,
        "user_memberships": memberships_of(user),
    }
