"""What the claims and collections API reads and answers."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common import limits
from inventory.api.serializers import OrganisationBriefSerializer
from inventory.models import CODE_LENGTH, EVENT_NOTE_MAX_LENGTH, Device
from reuse import selectors
from reuse.forms import MAX_SELECTION
from reuse.models import Collection, PickupPlan

NOTE_MAX_LENGTH = EVENT_NOTE_MAX_LENGTH


class PartnerChoiceSerializer(serializers.Serializer):
    partner = serializers.SlugField(
        required=False,
        write_only=True,
        help_text=_(
            "The short name of the partner you claim for; needed only when you belong to "
            "several partners."
        ),
    )


class DeviceClaimSerializer(PartnerChoiceSerializer):
    """Claiming one device: nothing to send unless you belong to several partners."""


class DeviceReleaseSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Why your organisation gives the device back; kept in its history."),
    )


class ClaimRequestSerializer(PartnerChoiceSerializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=CODE_LENGTH),
        required=False,
        allow_empty=False,
        max_length=MAX_SELECTION,
        help_text=_("Codes of the devices to claim."),
    )
    declaration = serializers.IntegerField(
        required=False, help_text=_("Claim every device of this declaration still declared.")
    )
    site = serializers.IntegerField(
        required=False, help_text=_("Claim every device still declared at this pickup site.")
    )

    def validate(self, attrs: dict) -> dict:
        given = [name for name in ("codes", "declaration", "site") if name in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                _("Send exactly one of codes, declaration or site."), code="one_of"
            )
        return attrs


class ClaimResultSerializer(serializers.Serializer):
    claimed = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Codes of the devices claimed for your organisation now."),
    )
    unavailable = serializers.ListField(
        child=serializers.CharField(),
        help_text=_(
            "Codes asked for (or of the declaration) that were not claimed: no longer "
            "declared, or unknown."
        ),
    )
    partner = serializers.CharField(help_text=_("The short name of the claiming partner."))


class ClaimSerializer(serializers.ModelSerializer):
    """A current claim: the device, its commune, who claimed it, since when and until when."""

    url = serializers.HyperlinkedIdentityField(view_name="api-device-detail", lookup_field="code")
    commune = OrganisationBriefSerializer(read_only=True)
    claimed_by = OrganisationBriefSerializer(
        read_only=True, help_text=_("The partner organisation that claimed the device.")
    )
    lapses_at = serializers.SerializerMethodField(
        help_text=_("When the claim expires unless the partner collects the device first.")
    )

    class Meta:
        model = Device
        fields = [
            "code",
            "url",
            "category",
            "brand",
            "model",
            "commune",
            "claimed_by",
            "claimed_at",
            "lapses_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField())
    def get_lapses_at(self, device: Device):
        return selectors.claim_lapses_at(device)


class CollectionRequestSerializer(PartnerChoiceSerializer):
    """Recording a collection: the devices, the day, the site and both signatories."""

    codes = serializers.ListField(
        child=serializers.CharField(max_length=CODE_LENGTH),
        allow_empty=False,
        max_length=MAX_SELECTION,
        help_text=_("Codes of the collected devices: claimed by your partner, of one commune."),
    )
    collected_on = serializers.DateField(help_text=_("The day of the collection."))
    site = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("The id of the commune's pickup site where the devices were collected."),
    )
    commune_signatory = serializers.CharField(
        max_length=limits.max_length(Collection, "commune_signatory")
    )
    commune_signatory_title = serializers.CharField(
        max_length=limits.max_length(Collection, "commune_signatory_title")
    )
    partner_signatory = serializers.CharField(
        max_length=limits.max_length(Collection, "partner_signatory")
    )
    partner_signatory_title = serializers.CharField(
        max_length=limits.max_length(Collection, "partner_signatory_title")
    )


class CollectionDeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["code", "category", "brand", "model", "serial_number", "state"]
        read_only_fields = fields


class CollectionSerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    commune = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    site = serializers.PrimaryKeyRelatedField(read_only=True)
    device_count = serializers.IntegerField(read_only=True)
    devices = CollectionDeviceSerializer(many=True, read_only=True)
    document = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        help_text=_("The number of the collection note."),
    )
    document_url = serializers.SerializerMethodField(
        help_text=_("Where to download the collection note's PDF once issued.")
    )

    class Meta:
        model = Collection
        fields = [
            "id",
            "partner",
            "commune",
            "site",
            "collected_on",
            "commune_signatory",
            "commune_signatory_title",
            "partner_signatory",
            "partner_signatory_title",
            "device_count",
            "devices",
            "document",
            "document_url",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_document_url(self, collection: Collection) -> str | None:
        if collection.document is None:
            return None
        path = reverse("api-document-download", kwargs={"number": collection.document.number})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class CollectionSummarySerializer(CollectionSerializer):
    """A collection in a list: its devices are counted, not listed."""

    class Meta(CollectionSerializer.Meta):
        fields = [name for name in CollectionSerializer.Meta.fields if name != "devices"]
        read_only_fields = fields


class PickupDeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["code", "category", "brand", "model", "serial_number", "state"]
        read_only_fields = fields


class PickupSlotSerializer(serializers.Serializer):
    date = serializers.DateField(help_text=_("The day of the pickup, today or later."))
    starts_at = serializers.TimeField(help_text=_("Start of the time slot (HH:MM)."))
    ends_at = serializers.TimeField(help_text=_("End of the time slot (HH:MM)."))
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("A word for the other side: access, contact, loading."),
    )


class PickupProposeSerializer(PartnerChoiceSerializer, PickupSlotSerializer):
    """Proposing a pickup: the claimed devices, the site, the day and the slot."""

    codes = serializers.ListField(
        child=serializers.CharField(max_length=CODE_LENGTH),
        allow_empty=False,
        max_length=MAX_SELECTION,
        help_text=_("Codes of devices your partner claimed, of one commune."),
    )
    site = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("The id of the commune's pickup site."),
    )


class PickupCounterProposeSerializer(PickupSlotSerializer):
    """The commune's other day and slot."""


class PickupSummarySerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    commune = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    site = serializers.PrimaryKeyRelatedField(read_only=True)
    site_name = serializers.CharField(source="site.name", read_only=True)
    device_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PickupPlan
        fields = [
            "id",
            "state",
            "partner",
            "commune",
            "site",
            "site_name",
            "date",
            "starts_at",
            "ends_at",
            "proposed_date",
            "note",
            "device_count",
            "proposed_at",
            "counter_proposed_at",
            "confirmed_at",
            "cancelled_at",
            "done_at",
            "collection",
        ]
        read_only_fields = fields


class PickupSerializer(PickupSummarySerializer):
    """A planned pickup with its devices."""

    devices = PickupDeviceSerializer(many=True, read_only=True)

    class Meta(PickupSummarySerializer.Meta):
        fields = [*PickupSummarySerializer.Meta.fields, "devices"]
        read_only_fields = fields
