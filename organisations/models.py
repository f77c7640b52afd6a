"""The organisations of a territory, their sites and their people."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.choices import (
    AuditAction,
    CessionEligibility,
    MembershipRole,
    OrganisationKind,
)
from organisations.validators import validate_insee_code, validate_siren, validate_siret


class OrganisationQuerySet(models.QuerySet):
    def communes(self) -> OrganisationQuerySet:
        return self.filter(kind=OrganisationKind.COMMUNE)

    def partners(self) -> OrganisationQuerySet:
        return self.filter(kind=OrganisationKind.PARTNER)

    def of_user(self, user) -> OrganisationQuerySet:
        return self.filter(memberships__user=user)


class Organisation(models.Model):
    """A body taking part in the territory's reuse loop.

    The territory (the EPT) coordinates; communes declare surplus devices; partners
    (social-economy refurbishers) take them in; buyers (schools, associations, other
    public bodies) receive refurbished devices.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    siren = models.CharField(
        _("SIREN"),
        max_length=9,
        blank=True,
        validators=[validate_siren],
        help_text=_("9 digits; give it when the organisation has no SIRET."),
    )
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text=_("14 digits: the SIREN followed by the establishment number."),
    )
    insee_code = models.CharField(
        _("INSEE code"),
        max_length=5,
        blank=True,
        validators=[validate_insee_code],
        help_text=_("Communes only: the commune's official code."),
    )
    esus_approval_reference = models.CharField(
        _("ESUS approval reference"),
        max_length=100,
        blank=True,
        help_text=_("Partners only: the prefectoral approval as a social utility enterprise."),
    )
    esus_approval_valid_until = models.DateField(
        _("ESUS approval valid until"), null=True, blank=True
    )
    cession_eligibility = models.CharField(
        _("eligibility for free cessions"),
        max_length=32,
        choices=CessionEligibility.choices,
        default=CessionEligibility.NOT_ELIGIBLE,
        help_text=_("Buyers only: the category of CG3P art. L3212-2 3° they belong to."),
    )
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind=OrganisationKind.COMMUNE) | Q(insee_code=""),
                name="%(app_label)s_%(class)s_insee_code_only_for_communes",
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.COMMUNE) | ~Q(insee_code=""),
                name="%(app_label)s_%(class)s_commune_has_insee_code",
            ),
            models.UniqueConstraint(
                fields=["insee_code"],
                condition=~Q(insee_code=""),
                name="%(app_label)s_%(class)s_unique_insee_code",
            ),
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="%(app_label)s_%(class)s_unique_siret",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_territory(self) -> bool:
        return self.kind == OrganisationKind.TERRITORY

    @property
    def is_commune(self) -> bool:
        return self.kind == OrganisationKind.COMMUNE

    @property
    def is_partner(self) -> bool:
        return self.kind == OrganisationKind.PARTNER

    @property
    def is_buyer(self) -> bool:
        return self.kind == OrganisationKind.BUYER

    @property
    def siren_number(self) -> str:
        """The SIREN, given directly or as the first nine digits of the SIRET."""
        return self.siren or self.siret[:9]

    def has_esus_approval(self, on: datetime.date | None = None) -> bool:
        """Whether this partner holds a current ESUS approval (needed for free cessions)."""
        if not self.is_partner or not self.esus_approval_reference:
            return False
        day = on or timezone.localdate()
        return self.esus_approval_valid_until is None or self.esus_approval_valid_until >= day


class SiteQuerySet(models.QuerySet):
    def open(self) -> SiteQuerySet:
        return self.filter(is_active=True)

    def open_pickup_sites_of(self, organisation: Organisation) -> SiteQuerySet:
        """The sites a commune may name as pickup sites today: its open pickup addresses."""
        return self.filter(organisation=organisation, is_pickup=True, is_active=True)


class Site(models.Model):
    """An address of an organisation where devices are picked up or delivered."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="sites",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=120)
    is_pickup = models.BooleanField(_("pickup address"), default=True)
    is_delivery = models.BooleanField(_("delivery address"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    is_active = models.BooleanField(
        _("open"),
        default=True,
        help_text=_("A closed site keeps its devices but is no longer offered."),
    )

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="%(app_label)s_%(class)s_unique_name_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(is_pickup=True) | Q(is_delivery=True),
                name="%(app_label)s_%(class)s_pickup_or_delivery",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.organisation.name}"

    @property
    def full_address(self) -> str:
        return f"{self.address}, {self.postal_code} {self.city}"


class Membership(models.Model):
    """A user's place in an organisation: ``admin`` manages it, ``staff`` operates."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("role"), max_length=8, choices=MembershipRole.choices, default=MembershipRole.STAFF
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="%(app_label)s_%(class)s_unique_user_organisation",
            ),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values),
                name="%(app_label)s_%(class)s_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == MembershipRole.ADMIN


class AuditEntry(models.Model):
    """One change to an organisation's sites or members: who did what, to whom, when.

    Append-only: the ORM refuses to change or delete an entry, and so does the database (the
    migration's trigger). Each service that changes a site or a membership writes its entry in
    the same transaction.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("organisation"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    target = models.CharField(
        _("target"), max_length=255, help_text=_("The site or the member the change is about.")
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values),
                name="%(app_label)s_%(class)s_action_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "-created_at"],
                name="organisations_audit_org_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.organisation}: {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only.")
