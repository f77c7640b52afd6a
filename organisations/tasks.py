"""Background work of organisations. Tasks take ids and send one e-mail."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from organisations import emails
from organisations.models import Membership


@shared_task(ignore_result=True)
def send_invitation(membership_pk: int, actor_pk: int, site_root: str, language: str) -> None:
    """E-mail a new member their invitation; nothing when the membership was removed since."""
    membership = (
        Membership.objects.select_related("user", "organisation").filter(pk=membership_pk).first()
    )
    if membership is None:
        return
    actor = get_user_model().objects.filter(pk=actor_pk).first()
    emails.send_invitation(
        membership=membership, actor=actor, site_root=site_root, language=language
    )
