"""Reads of organisations: their sites and their members."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from organisations.models import AuditEntry, Membership, Organisation, Site


def organisation_sites(organisation: Organisation) -> QuerySet[Site]:
    return organisation.sites.order_by("name")


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by(
        "user__last_name", "user__username"
    )


def organisation_by_code(code: str) -> Organisation | None:
    """The organisation whose INSEE code (a commune) or short name is ``code``."""
    return Organisation.objects.filter(Q(insee_code=code) | Q(slug=code)).first()


def locked_out_usernames(usernames: list[str]) -> set[str]:
    """Which of ``usernames`` are locked out by their own login failures (django-axes' database
    records: failures within the cool-off, whatever the address, up to the limit)."""
    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=threshold)
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values_list("username", flat=True)
    )


def organisation_audit(organisation: Organisation, *, limit: int = 100) -> QuerySet[AuditEntry]:
    """The latest changes to an organisation's sites and members, newest first."""
    return organisation.audit_entries.select_related("actor").order_by("-created_at", "-pk")[:limit]
