"""The donations API: a partner gives ready devices to an eligible organisation (each valued
within the ceiling), the beneficiary confirms their receipt, the donor may cancel before; the
donation agreement's PDF.

Reads go through :mod:`procurement.selectors` (the donor's and the beneficiary's organisations
only: 404 for anyone else), writes through :mod:`procurement.services.donations` (who may act:
403 otherwise; 409 for a state that forbids it).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import KeysetCursorPagination, error_responses
from common.errors import ErrorSerializer, NotFound, ValidationFailed
from documents.api.views import DocumentNotIssued, PDFRenderer
from documents.choices import DocumentState
from inventory.api.serializers import OrganisationBriefSerializer
from inventory.models import CODE_LENGTH
from organisations.models import Organisation
from organisations.permissions import organisations_of
from procurement import permissions, selectors
from procurement.choices import DonationState
from procurement.models import Donation, DonationDevice
from procurement.services.donations import (
    MAX_DONATION_DEVICES,
    donation_cancel,
    donation_create,
    donation_receive,
)
from procurement.services.orders import REASON_MAX_LENGTH
from reuse.api.common import validated

ID_LIMIT = 2**31 - 1
VALUE_LIMIT = Decimal("999999.99")


class DonationDeviceSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="device.code", read_only=True)
    category = serializers.CharField(source="device.category", read_only=True)
    value = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    flat_value = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy("What it counts for in the AGEC purchase share."),
    )

    class Meta:
        model = DonationDevice
        fields = ["code", "category", "value", "flat_value"]
        read_only_fields = fields


class DonationSerializer(serializers.ModelSerializer):
    donor = OrganisationBriefSerializer(read_only=True)
    beneficiary = OrganisationBriefSerializer(read_only=True)
    state = serializers.ChoiceField(choices=DonationState.choices, read_only=True)
    agreement = serializers.CharField(
        source="agreement.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The number of its donation agreement (CD-…)."),
    )
    agreement_state = serializers.CharField(
        source="agreement.state", read_only=True, allow_null=True, default=None
    )
    total_value = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    flat_value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy("What it counts for in the beneficiary's AGEC purchase share."),
    )
    ceiling = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    devices = DonationDeviceSerializer(source="items", many=True, read_only=True)

    class Meta:
        model = Donation
        fields = [
            "id",
            "donor",
            "beneficiary",
            "beneficiary_category",
            "state",
            "offered_on",
            "total_value",
            "flat_value",
            "ceiling",
            "agreement",
            "agreement_state",
            "devices",
            "received_on",
            "cancelled_at",
            "cancel_reason",
            "created_at",
        ]
        read_only_fields = fields


class DonationItemWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=CODE_LENGTH * 2)
    value = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=VALUE_LIMIT,
        help_text=gettext_lazy("The device's value in euros (at most the ceiling, 300 €)."),
    )


class DonationWriteSerializer(serializers.Serializer):
    donor = serializers.CharField(
        max_length=80,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("The partner you act for, when you belong to several."),
    )
    beneficiary = serializers.SlugField(
        help_text=gettext_lazy("An organisation eligible under CG3P art. L3212-2 3°.")
    )
    devices = DonationItemWriteSerializer(many=True, min_length=1, max_length=MAX_DONATION_DEVICES)


class ReceiptWriteSerializer(serializers.Serializer):
    received_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("Today by default.")
    )


class DonationCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class DonationPagination(KeysetCursorPagination):
    """The newest donation first."""

    page_size = settings.BOUCLE_DEVICE_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at",)


def _pk(value: str) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError) as error:
        raise NotFound(_("No such donation."), code="donation_not_found") from error
    if not 0 < pk <= ID_LIMIT:
        raise NotFound(_("No such donation."), code="donation_not_found")
    return pk


@extend_schema(tags=["donations"])
@extend_schema_view(
    list=extend_schema(
        summary="List the donations",
        description="The donations your organisations give or receive. Newest first.",
        responses={200: DonationSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="Read a donation", responses={200: DonationSerializer, **error_responses(404)}
    ),
)
class DonationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Free cessions of ready devices (CG3P art. L3212-2 3°), with their agreement (CD-…)."""

    serializer_class = DonationSerializer
    pagination_class = DonationPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.donations_visible_to(organisations_of(self.request.user)).prefetch_related(
            "items__device"
        )

    def get_serializer_class(self):
        return {
            "create": DonationWriteSerializer,
            "receipt": ReceiptWriteSerializer,
            "cancel": DonationCancelSerializer,
        }.get(self.action, DonationSerializer)

    def get_object(self) -> Donation:
        donation = self.get_queryset().filter(pk=_pk(self.kwargs["pk"])).first()
        if donation is None:
            raise NotFound(_("No such donation."), code="donation_not_found")
        return donation

    def _answer(self, request: Request, pk: int, code=status.HTTP_200_OK) -> Response:
        donation = self.get_queryset().get(pk=pk)
        return Response(
            DonationSerializer(donation, context={"request": request}).data, status=code
        )

    @extend_schema(
        summary="Give ready devices to an eligible organisation (a partner)",
        description=(
            "Each device named by its code with its value in euros, none above the ceiling of "
            "the regulatory data (300 € a unit); the beneficiary must have a category of CG3P "
            "art. L3212-2 3° recorded. The devices are reserved (they leave their offers) and "
            "the donation agreement (CD-…, with the no-resale clause) is issued."
        ),
        request=DonationWriteSerializer,
        responses={
            201: DonationSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not a partner's member."),
            409: OpenApiResponse(ErrorSerializer, description="A device is not ready."),
        },
    )
    def create(self, request: Request) -> Response:
        data = validated(DonationWriteSerializer(data=request.data))
        donor = permissions.donating_partner(request.user, data["donor"] or None)
        beneficiary = Organisation.objects.filter(slug=data["beneficiary"]).first()
        if beneficiary is None:
            message = _("No such organisation.")
            raise ValidationFailed(
                message, code="beneficiary_not_found", fields={"beneficiary": [message]}
            )
        codes = [item["code"].strip() for item in data["devices"]]
        if len(set(codes)) != len(codes):
            message = _("Each device is named once.")
            raise ValidationFailed(message, code="invalid", fields={"devices": [message]})
        donation = donation_create(
            donor=donor,
            user=request.user,
            beneficiary=beneficiary,
            values={item["code"]: item["value"] for item in data["devices"]},
        )
        return self._answer(request, donation.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm the receipt of a donation (its beneficiary)",
        description=(
            "The devices are delivered to the beneficiary (their holder from then on), the "
            "donor told. Confirmed once (409 after)."
        ),
        request=ReceiptWriteSerializer,
        responses={
            200: DonationSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not the beneficiary."),
            404: OpenApiResponse(ErrorSerializer, description="No such donation."),
            409: OpenApiResponse(ErrorSerializer, description="Received or cancelled."),
        },
    )
    @action(detail=True, methods=["post"])
    def receipt(self, request: Request, pk: str) -> Response:
        donation = self.get_object()
        data = validated(ReceiptWriteSerializer(data=request.data))
        donation_receive(donation=donation, user=request.user, received_on=data["received_on"])
        return self._answer(request, donation.pk)

    @extend_schema(
        summary="Cancel a donation before its receipt (its donor)",
        description="With a reason: the devices go back to ready and into the offers they left.",
        request=DonationCancelSerializer,
        responses={
            200: DonationSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not the donor."),
            404: OpenApiResponse(ErrorSerializer, description="No such donation."),
            409: OpenApiResponse(ErrorSerializer, description="Received or cancelled."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        donation = self.get_object()
        data = validated(DonationCancelSerializer(data=request.data))
        donation_cancel(donation=donation, user=request.user, reason=data["reason"])
        return self._answer(request, donation.pk)

    @extend_schema(
        summary="Download a donation's agreement (PDF)",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The donation agreement."
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such donation."),
            409: OpenApiResponse(ErrorSerializer, description="Not issued yet."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="download",
        url_name="download",
        renderer_classes=[PDFRenderer, JSONRenderer],
    )
    def download(self, request: Request, pk: str) -> FileResponse:
        document = self.get_object().agreement
        if document is None or document.state != DocumentState.ISSUED:
            raise DocumentNotIssued(
                _("The donation agreement is not issued yet: try again in a moment.")
            )
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.filename,
            content_type="application/pdf",
        )
