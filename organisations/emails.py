"""E-mails to the people of an organisation, written from templates in the inviter's language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from organisations.models import Membership


def invitation_link(membership: Membership, site_root: str) -> str:
    """Where the invited person goes: the page to choose a password when they have none yet
    (a password reset link, valid for ``PASSWORD_RESET_TIMEOUT``), the login page otherwise."""
    user = membership.user
    if user.has_usable_password():
        return site_root + reverse("login")
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return site_root + path


def send_invitation(*, membership: Membership, actor, site_root: str, language: str) -> int:
    """Tell an invited person which organisation they joined and how to log in."""
    user = membership.user
    if not user.email:
        return 0
    context = {
        "membership": membership,
        "organisation": membership.organisation,
        "user": user,
        "actor": actor,
        "link": invitation_link(membership, site_root),
        "has_password": user.has_usable_password(),
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string("organisations/emails/invitation_subject.txt", context)
        body = render_to_string("organisations/emails/invitation.txt", context)
    return send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [user.email])
