"""The recycling API: record a shipment of devices to an eco-organism or a recycler (a waste
record; its devices become ``recycled``), read the waste records, export the waste register."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common import limits
from common.api import error_responses
from common.errors import ErrorSerializer, NotFound, ValidationFailed
from inventory.models import CODE_LENGTH, Device
from organisations.permissions import organisations_of
from reuse import exports, selectors, services
from reuse.api.common import devices_for_codes, validated
from reuse.api.serializers import PartnerChoiceSerializer
from reuse.forms import MAX_SELECTION
from reuse.models import WasteRecord
from reuse.permissions import recycling_partner
from reuse.waste_register import register_year

# A SIREN as people write it, in three groups of three digits: two spaces more than its digits
# (the service checks the digits).
_SIREN_AS_WRITTEN = {
    "label": None,
    "max_length": limits.max_length(WasteRecord, "taker_siren") + 2,
    "validators": [],
}


class WasteRecordRequestSerializer(PartnerChoiceSerializer, serializers.ModelSerializer):
    """A shipment to recycling: its devices and the waste register's fields."""

    # The register's fields are the model's ``REGISTER_FIELDS``; the service checks their values.

    codes = serializers.ListField(
        child=serializers.CharField(max_length=CODE_LENGTH),
        allow_empty=False,
        max_length=MAX_SELECTION,
        help_text=gettext_lazy(
            "Codes of the devices shipped: held by your partner, collected or in refurbishment; "
            "a data-bearing one only once its media are erased or destroyed."
        ),
    )

    class Meta:
        model = WasteRecord
        fields = ["partner", "codes", *WasteRecord.REGISTER_FIELDS]
        extra_kwargs = {
            # No title in the schema: the names say it (as before the fields came from the model).
            **{name: {"label": None} for name in WasteRecord.REGISTER_FIELDS},
            "shipped_on": {"label": None, "help_text": gettext_lazy("The day of the shipment.")},
            "weight_kg": {
                "label": None,
                "help_text": gettext_lazy("The shipment's weight in kilograms."),
                # The service says why a weight is refused, in its own words.
                "min_value": None,
                "validators": [],
            },
            "taker_siren": _SIREN_AS_WRITTEN,
            "transporter_siren": _SIREN_AS_WRITTEN,
        }


class WasteRecordDeviceSerializer(serializers.ModelSerializer):
    commune = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Device
        fields = ["code", "category", "brand", "model", "serial_number", "commune", "state"]
        read_only_fields = fields


class WasteRecordSerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text=gettext_lazy("The producer.")
    )
    waste_name = serializers.CharField(
        read_only=True, help_text=gettext_lazy("The waste's name for its code.")
    )
    device_count = serializers.IntegerField(read_only=True)
    devices = WasteRecordDeviceSerializer(many=True, read_only=True)

    class Meta:
        model = WasteRecord
        fields = [
            "id",
            "partner",
            # The register's fields, the waste code followed by its name.
            *(
                field
                for name in WasteRecord.REGISTER_FIELDS
                for field in ((name, "waste_name") if name == "waste_code" else (name,))
            ),
            "device_count",
            "devices",
        ]
        read_only_fields = fields


class WasteRecordSummarySerializer(WasteRecordSerializer):
    """A waste record in a list: its devices are counted, not listed."""

    class Meta(WasteRecordSerializer.Meta):
        fields = [name for name in WasteRecordSerializer.Meta.fields if name != "devices"]
        read_only_fields = fields


class WasteRegisterRequestSerializer(PartnerChoiceSerializer):
    year = serializers.IntegerField(help_text=gettext_lazy("The year of the register."))


class WasteRegisterDocumentSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    download = serializers.CharField(
        help_text=gettext_lazy("Where to download the PDF once the document is issued.")
    )


class CSVRenderer(renderers.BaseRenderer):
    """The register is streamed as CSV by the view; a refusal is rendered as its message."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, dict):
            return str(data.get("message", "")).encode(self.charset)
        return str(data or "").encode(self.charset)


YEAR_PARAMETER = OpenApiParameter(
    "year",
    OpenApiTypes.INT,
    description="Only the shipments of this year.",
    required=False,
)


@extend_schema_view(
    list=extend_schema(
        summary="List the waste records your organisations may read",
        description=(
            "A partner reads its own shipments, a commune those holding devices it declared, "
            "the territory every one; newest first. A commune reads and counts only its own "
            "devices of a shipment, never another commune's."
        ),
        responses={200: WasteRecordSummarySerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="Read a waste record with its devices",
        responses={200: WasteRecordSerializer, **error_responses(404)},
    ),
)
@extend_schema(tags=["recycling"])
class WasteRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Devices that cannot be reused leave through a DEEE channel, each shipment recorded."""

    serializer_class = WasteRecordSerializer
    ordering = ["-shipped_on", "-pk"]

    def get_queryset(self):
        return selectors.waste_records_visible_to(organisations_of(self.request.user))

    def get_serializer_class(self):
        if self.action == "list":
            return WasteRecordSummarySerializer
        if self.action == "create":
            return WasteRecordRequestSerializer
        return WasteRecordSerializer

    def get_object(self) -> WasteRecord:
        try:
            pk = int(self.kwargs["pk"])
        except ValueError as error:
            raise NotFound(_("No such waste record."), code="waste_record_not_found") from error
        return selectors.waste_record_get_visible(
            pk=pk, organisations=organisations_of(self.request.user)
        )

    @extend_schema(
        summary="Send devices to recycling: record the shipment in the waste register",
        description=(
            "Every device must be held by your partner organisation, collected or in "
            "refurbishment (else 403 `not_holder`, 409 `not_recyclable`); a data-bearing "
            "device is refused (409 `not_erased`) until every storage medium's latest erasure "
            "passed or destroyed it. The devices become `recycled`, each with its event, in "
            "one transaction with the record: nothing changes when anything is refused."
        ),
        request=WasteRecordRequestSerializer,
        responses={
            201: WasteRecordSerializer,
            **error_responses(400, 403),
            404: OpenApiResponse(ErrorSerializer, description="No device has such a code."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="A device is not recyclable now, or its data is not erased.",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = validated(WasteRecordRequestSerializer(data=request.data))
        partner = recycling_partner(request.user, data.get("partner"))
        devices = devices_for_codes(data["codes"])
        record = services.waste_record_create(
            partner=partner,
            user=request.user,
            devices=devices,
            **{name: data[name] for name in WasteRecord.REGISTER_FIELDS if name in data},
        )
        record = selectors.waste_record_get_visible(pk=record.pk, organisations=[partner])
        return Response(WasteRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Export the waste register (CSV, the fields of R.541-43)",
        description=(
            "One line per shipment you may read, oldest first: date, waste name and code, "
            "quantity in tonnes and kilograms, the devices, producer and its SIRET, "
            "transporter, destination facility, treatment code, tracking-slip number, and the "
            "eco-organism's name and SIREN when one took the waste. UTF-8 with a byte order "
            "mark, `;`-separated."
        ),
        parameters=[YEAR_PARAMETER],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The register."),
            **error_responses(400),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="register",
        renderer_classes=[renderers.JSONRenderer, CSVRenderer],
    )
    def register(self, request: Request) -> StreamingHttpResponse:
        try:
            year = register_year(request.query_params.get("year", ""))
        except ValueError as error:
            raise ValidationFailed(
                _("Give a year between 2000 and 2100."),
                code="invalid",
                fields={"year": [_("Give a year between 2000 and 2100.")]},
            ) from error
        records = selectors.waste_register(organisations_of(request.user), year=year)
        return exports.register_response(records)

    @extend_schema(
        summary="Produce the waste register of a year as a PDF document",
        description=(
            "Every shipment your partner organisation recorded that year, with the fields of "
            "R.541-43 and the year's totals, in a numbered document (`RD-…`) produced in the "
            "background: download it from the documents API once issued. A year to come or "
            "without any shipment answers 400."
        ),
        request=WasteRegisterRequestSerializer,
        responses={201: WasteRegisterDocumentSerializer, **error_responses(400, 403)},
    )
    @action(detail=False, methods=["post"], url_path="register-document")
    def register_document(self, request: Request) -> Response:
        data = validated(WasteRegisterRequestSerializer(data=request.data))
        partner = recycling_partner(request.user, data.get("partner"))
        document = services.waste_register_issue(
            partner=partner, user=request.user, year=data["year"]
        )
        body = {
            "number": document.number,
            "kind": document.kind,
            "state": document.state,
            "download": f"/api/v1/documents/{document.number}/download/",
        }
        return Response(WasteRegisterDocumentSerializer(body).data, status=status.HTTP_201_CREATED)
