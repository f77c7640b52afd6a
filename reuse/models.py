"""Collections: a partner takes claimed devices away from a commune, on a signed note."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from inventory.models import Device
from organisations.models import Organisation, Site


class Collection(models.Model):
    """One pickup of devices by a partner at a commune: the record of their free cession.

    Its devices moved from ``claimed`` to ``collected`` in the transaction that made it; the
    collection note (a :class:`documents.models.Document`) is requested in the same one.
    """

    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="collections",
        verbose_name=_("partner"),
    )
    commune = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="collections_given",
        verbose_name=_("commune"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collections",
        verbose_name=_("pickup site"),
    )
    collected_on = models.DateField(_("collected on"))
    commune_signatory = models.CharField(_("commune signatory"), max_length=150)
    commune_signatory_title = models.CharField(_("commune signatory's title"), max_length=150)
    partner_signatory = models.CharField(_("partner signatory"), max_length=150)
    partner_signatory_title = models.CharField(_("partner signatory's title"), max_length=150)
    devices = models.ManyToManyField(
        Device,
        through="CollectionDevice",
        related_name="collections",
        verbose_name=_("devices"),
    )
    document = models.OneToOneField(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collection",
        verbose_name=_("collection note"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="collections",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["-collected_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.commune} → {self.partner} ({self.collected_on:%Y-%m-%d})"


class CollectionDevice(models.Model):
    """A device of a collection; a device is collected once (its ``device`` is unique)."""

    collection = models.ForeignKey(
        Collection, on_delete=models.PROTECT, related_name="items", verbose_name=_("collection")
    )
    device = models.OneToOneField(
        Device,
        on_delete=models.PROTECT,
        related_name="collection_item",
        verbose_name=_("device"),
    )

    class Meta:
        verbose_name = _("collected device")
        verbose_name_plural = _("collected devices")
        ordering = ["collection", "device"]

    def __str__(self) -> str:
        return f"{self.collection_id}: {self.device_id}"
