from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.choices import FlowStep


class TargetRule(models.TextChoices):
    """The legal targets the reports check against (``data/regulatory-targets.csv``)."""

    REEN_REUSE_RATE = "reen_reuse_rate", _("REEN reuse rate (décret 2023-266)")
    AGEC_PURCHASE_SHARE = "agec_purchase_share", _("AGEC purchase share (décret 2024-134)")


# The steps of the loop the indicators count: the lifecycle's events, with a delivery that is
# a donation's receipt told apart from one sold through a group order. Declared by inventory,
# which counts them (inventory.DeviceStepCount).
Step = FlowStep


class ScopeKind(models.TextChoices):
    """What a set of indicators covers: the whole territory or one organisation."""

    TERRITORY = "territory", _("Territory")
    COMMUNE = "commune", _("Commune")
    PARTNER = "partner", _("Partner")
    BUYER = "buyer", _("Buyer")
