"""The pages' authentication backend, reading the signed-in user with their memberships.

Every page asks whom its user works for (:func:`organisations.active.active_membership`)
right after the authentication middleware has read the user the session names: two queries
for what one reads. As the API's token authentication does
(:mod:`organisations.authentication`), this reads the user and their memberships of active
organisations together, and keeps the memberships on the user for the rest of the request.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from organisations.permissions import user_with_memberships


class MembershipModelBackend(ModelBackend):
    """Django's ``ModelBackend`` (the same passwords, permissions and refusals), whose user read
    for a session brings the user's memberships. A user who belongs to no active organisation
    is read by Django's own query, as before; an inactive user is refused as Django does."""

    def get_user(self, user_id):
        user = user_with_memberships(user_id=user_id)
        if user is None:
            return super().get_user(user_id)
        return user if self.user_can_authenticate(user) else None
