from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    TERRITORY = "territory", _("Territory")
    COMMUNE = "commune", _("Commune")
    PARTNER = "partner", _("Refurbishing partner")
    BUYER = "buyer", _("Buyer")


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    STAFF = "staff", _("Staff")


class AuditAction(models.TextChoices):
    """What an organisation's administrators change, as its audit log names it."""

    SITE_ADDED = "site_added", _("Site added")
    SITE_CHANGED = "site_changed", _("Site changed")
    SITE_CLOSED = "site_closed", _("Site closed")
    MEMBER_INVITED = "member_invited", _("Member invited")
    ROLE_CHANGED = "role_changed", _("Role changed")
    MEMBER_REMOVED = "member_removed", _("Member removed")


class CessionEligibility(models.TextChoices):
    """Who may receive a free cession of IT equipment (CG3P art. L3212-2 3°)."""

    NOT_ELIGIBLE = "not_eligible", _("Not eligible for free cessions")
    PARENTS_ASSOCIATION = "parents_association", _("Parents' association")
    SCHOOL_SUPPORT_ASSOCIATION = "school_support_association", _("School-support association")
    STUDENT_ASSOCIATION = "student_association", _("Student association")
    PUBLIC_UTILITY_ASSOCIATION = (
        "public_utility_association",
        _("Association recognised of public utility"),
    )
    ESUS_ORGANISATION = "esus_organisation", _("ESUS-approved reuse organisation")
    PRECARITY_ASSOCIATION = (
        "precarity_association",
        _("Public-interest association equipping people in precarity"),
    )
