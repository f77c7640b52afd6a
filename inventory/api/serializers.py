"""What the API shows of devices, their history and declarations, and what it accepts.

Input serializers check types and ranges only; the rules (who may declare, dates, the
territory-wide serial rule) are the services' and come back as their errors.
"""

from __future__ import annotations

import functools
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from common import limits
from inventory import labels, permissions
from inventory.choices import DeviceState, StorageType
from inventory.lifecycle import allowed_transitions, transition_names
from inventory.models import Declaration, Device, DeviceEvent
from inventory.services import DESCRIPTION_FIELDS
from organisations.models import Organisation, Site
from organisations.permissions import organisations_of

# Devices in one API declaration; a larger inventory is sent in several.
MAX_DEVICES_PER_DECLARATION = 1000
NOTE_MAX_LENGTH = 2000


class OrganisationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["slug", "name"]
        read_only_fields = fields


class SiteBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name"]
        read_only_fields = fields


class DeviceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-device-detail", lookup_field="code")
    commune = OrganisationBriefSerializer(read_only=True)
    pickup_site = SiteBriefSerializer(read_only=True, allow_null=True)
    holder = OrganisationBriefSerializer(read_only=True)
    claimed_by = OrganisationBriefSerializer(read_only=True, allow_null=True)
    # Declared here so that the schema admits the blank value the model allows.
    storage_type = serializers.ChoiceField(
        choices=StorageType.choices, allow_blank=True, read_only=True
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("The lifecycle actions you may run on this device now.")
    )
    _url_around_code: tuple[str, str] | None = None

    class Meta:
        model = Device
        fields = [
            "code",
            "url",
            *DESCRIPTION_FIELDS,
            "data_bearing",
            "data_bearing_overridden",
            "commune",
            "pickup_site",
            "holder",
            "claimed_by",
            "claimed_at",
            "state",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=transition_names()))
    )
    def get_allowed_actions(self, device: Device) -> list[str]:
        if self._organisations is None:
            return []
        return allowed_transitions(device, self._organisations)

    def to_representation(self, device: Device) -> dict[str, Any]:
        """The fields declared above, read straight from the device and its joined rows.

        DRF's way, building the fields for each list and reading them one by one through
        their attribute lookups, took most of a list's time (50 devices of 28 fields, four of
        them nested). Dates, times and decimals still go through fields of DRF, built once
        (and each value converted once a list), so the answer is DRF's to the character:
        ``tests/api/test_device_representation.py`` checks it against DRF's own for devices
        of every shape.
        """
        convert = self._convert
        representation = {
            "code": device.code,
            "url": self._url_of(device),
            "category": device.category,
            "brand": device.brand,
            "model": device.model,
            "serial_number": device.serial_number,
            "asset_tag": device.asset_tag,
            "purchase_date": convert("purchase_date", device.purchase_date),
            "cpu": device.cpu,
            "ram_gb": convert("ram_gb", device.ram_gb),
            "storage_gb": device.storage_gb,
            "storage_type": device.storage_type,
            "screen_size_inches": convert("screen_size_inches", device.screen_size_inches),
            "operating_system": device.operating_system,
            "condition_notes": device.condition_notes,
            "holds_sensitive_data": device.holds_sensitive_data,
            "data_bearing": device.data_bearing,
            "data_bearing_overridden": device.data_bearing_overridden,
            "commune": _organisation_brief(device.commune),
            "pickup_site": (
                None
                if device.pickup_site_id is None
                else {"id": device.pickup_site.pk, "name": device.pickup_site.name}
            ),
            "holder": _organisation_brief(device.holder),
            "claimed_by": (
                None if device.claimed_by_id is None else _organisation_brief(device.claimed_by)
            ),
            "claimed_at": convert("claimed_at", device.claimed_at),
            "state": device.state,
            "created_at": convert("created_at", device.created_at),
            "updated_at": convert("updated_at", device.updated_at),
            "allowed_actions": self.get_allowed_actions(device),
        }
        return {name: representation[name] for name in self.Meta.fields}

    def _convert(self, name: str, value: Any) -> Any:
        """``value`` as DRF's field ``name`` gives it (``None`` as it is), each value converted
        once per list: a file's devices share their creation time, a batch its dates."""
        if value is None:
            return None
        key = (name, value)
        converted = self._converted.get(key)
        if converted is None:
            converted = self._converted[key] = _conversions()[name].to_representation(value)
        return converted

    @functools.cached_property
    def _converted(self) -> dict[tuple[str, Any], Any]:
        return {}

    @functools.cached_property
    def _organisations(self) -> list[Organisation] | None:
        """The reader's organisations, read once for every device of a list."""
        request = self.context.get("request")
        return None if request is None else list(organisations_of(request.user))

    def _url_of(self, device: Device) -> str:
        """The device's URL, as its field gives it: reversed for the first device, then each
        code put in the first one's place (a code, letters and digits, ends the URL)."""
        if self._url_around_code is None:
            url = reverse(
                "api-device-detail",
                kwargs={"code": device.code},
                request=self.context.get("request"),
                format=self.context.get("format"),
            )
            before, _, after = url.rpartition(device.code)
            self._url_around_code = (before, after)
            return url
        before, after = self._url_around_code
        return f"{before}{device.code}{after}"


@functools.cache
def _conversions() -> dict[str, serializers.Field]:
    """DRF's fields for the device's dates, times and decimals, built once: they convert a
    value alone, whoever reads."""
    fields = DeviceSerializer().fields
    return {
        name: fields[name]
        for name in (
            "purchase_date",
            "ram_gb",
            "screen_size_inches",
            "claimed_at",
            "created_at",
            "updated_at",
        )
    }


def _organisation_brief(organisation: Organisation) -> dict[str, str]:
    return {"slug": organisation.slug, "name": organisation.name}


class DeviceDescriptionSerializer(serializers.ModelSerializer):
    """The description of one device, as a commune gives it."""

    data_bearing = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text=_(
            "Whether the device holds data. Leave it out (or null) to derive it from the "
            "category and storage."
        ),
    )

    class Meta:
        model = Device
        fields = [*DESCRIPTION_FIELDS, "data_bearing"]


class DeviceCreateSerializer(DeviceDescriptionSerializer):
    commune = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        help_text=_("The declaring commune's short name (slug); you must belong to it."),
    )
    pickup_site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("A site of the declaring commune where the device is picked up."),
    )

    class Meta(DeviceDescriptionSerializer.Meta):
        fields = ["commune", "pickup_site", *DeviceDescriptionSerializer.Meta.fields]


class DeviceUpdateSerializer(DeviceDescriptionSerializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Why the description changed; kept in the device's history."),
    )
    pickup_site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Another open pickup site of the declaring commune, or null."),
    )

    class Meta(DeviceDescriptionSerializer.Meta):
        fields = [*DeviceDescriptionSerializer.Meta.fields, "pickup_site", "note"]


class WithdrawSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Why the commune takes the device back; kept in its history."),
    )


class DeviceEventSerializer(serializers.ModelSerializer):
    organisation = OrganisationBriefSerializer(read_only=True, allow_null=True)
    # Blank for the first event, which starts the lifecycle.
    from_state = serializers.ChoiceField(
        choices=DeviceState.choices, allow_blank=True, read_only=True
    )
    actor = serializers.SerializerMethodField(
        help_text=_(
            "The username of who acted; null for the system, and for readers outside the "
            "device's commune, its holder and the acting organisation (the public history "
            "carries no personal data)."
        )
    )
    details = serializers.DictField(read_only=True)

    class Meta:
        model = DeviceEvent
        fields = [
            "kind",
            "from_state",
            "to_state",
            "organisation",
            "actor",
            "created_at",
            "note",
            "details",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: DeviceEvent) -> str | None:
        request, device = self.context.get("request"), self.context.get("device")
        if event.actor is None or request is None or device is None:
            return None
        if permissions.can_see_event_actor(organisations_of(request.user), event):
            return event.actor.username
        return None


class DeclarationCreateSerializer(serializers.Serializer):
    commune = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        help_text=_("The declaring commune's short name (slug); you must belong to it."),
    )
    pickup_site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("A site of the declaring commune where the devices are picked up."),
    )
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=limits.max_length(Declaration, "reference"),
        help_text=_("Your own reference for this declaration (a ticket, a decision)."),
    )
    devices = DeviceDescriptionSerializer(many=True, max_length=MAX_DEVICES_PER_DECLARATION)


class DeclarationSerializer(serializers.ModelSerializer):
    commune = OrganisationBriefSerializer(read_only=True)
    pickup_site = SiteBriefSerializer(read_only=True, allow_null=True)
    devices = serializers.SerializerMethodField(
        help_text=_("The codes of the declared devices, in the order they were sent.")
    )

    class Meta:
        model = Declaration
        fields = ["id", "commune", "pickup_site", "source", "reference", "created_at", "devices"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_devices(self, declaration: Declaration) -> list[str]:
        return list(declaration.devices.order_by("pk").values_list("code", flat=True))


class LabelSheetCreateSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=32),
        min_length=1,
        max_length=labels.MAX_LABELS,
        help_text="The codes of the devices to label, in the order of the labels.",
    )
    layout = serializers.ChoiceField(
        choices=labels.layout_choices(),
        default=labels.DEFAULT_LAYOUT,
        help_text="The A4 label layout: `3x8` (70 × 37 mm) or `2x7` (99.1 × 38.1 mm).",
    )
    organisation = serializers.SlugField(
        required=False,
        help_text="The slug of the organisation printing; needed only when you belong to several.",
    )


class LabelSheetSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="The label sheet's document number.")
    state = serializers.CharField(help_text="`pending` until the PDF is produced, then `issued`.")
    pages = serializers.IntegerField(help_text="How many A4 sheets the labels fill.")
    download_url = serializers.URLField(help_text="Where the PDF is downloaded once issued.")
