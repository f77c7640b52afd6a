"""The API's token authentication, reading the caller's memberships with its token.

Every API request asks whom its caller works for
(:func:`organisations.permissions.memberships_of`) right after DRF's token authentication has
read the token and its user: two queries for what one reads. This reads the token, its user
and the user's memberships of active organisations together, and keeps the memberships on the
user for the rest of the request.
"""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication


class MembershipTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's ``TokenAuthentication``: the same keys, the same
    refusals (an unknown key, an inactive user), the same ``(user, token)``. A user who belongs
    to no active organisation, and an inactive user, are read by DRF's own query as before (the
    inactive one refused by it)."""

    def authenticate_credentials(self, key):
        # Imported here: DRF imports this class while it reads its settings, before the modules
        # that use DRF themselves (common.errors, under the permissions) can be imported.
        from organisations.permissions import user_with_memberships

        user = user_with_memberships(related="user__auth_token", user__auth_token__key=key)
        if user is None or not user.is_active:
            return super().authenticate_credentials(key)
        return user, user.auth_token
