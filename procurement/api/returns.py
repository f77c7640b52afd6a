"""The warranty returns API: ``/api/v1/returns/``, listed and read by the buyer that reported
them and the partner that delivered the devices (all for the territory), reported by the
buyer (``POST``), settled by the partner (``POST …/{id}/outcome/``).

Reads go through :mod:`procurement.selectors` (another organisation's return: 404), writes
through :mod:`procurement.services.returns` (who may act: 403; a state that forbids it: 409).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import KeysetCursorPagination, error_responses
from common.errors import ErrorSerializer, NotFound, ValidationFailed
from inventory.api.serializers import OrganisationBriefSerializer
from inventory.models import CODE_LENGTH, Device
from organisations.permissions import organisations_of
from procurement import selectors, services
from procurement.choices import RETURN_OUTCOMES, ReturnState
from procurement.models import WarrantyReturn
from reuse.api.common import validated

TEXT_MAX_LENGTH = 1000


class ReturnSerializer(serializers.ModelSerializer):
    device = serializers.CharField(source="device.code", read_only=True)
    buyer = OrganisationBriefSerializer(read_only=True)
    partner = OrganisationBriefSerializer(read_only=True)
    state = serializers.ChoiceField(choices=ReturnState.choices, read_only=True)
    offer = serializers.IntegerField(source="delivery_item.line.offer_id", read_only=True)
    replacement = serializers.CharField(
        source="replacement.code", read_only=True, allow_null=True, default=None
    )
    credit_note = serializers.CharField(
        source="credit_note.document.number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = WarrantyReturn
        fields = [
            "id",
            "device",
            "buyer",
            "partner",
            "offer",
            "state",
            "fault",
            "warranty_ends_on",
            "reported_at",
            "outcome_note",
            "replacement",
            "replacement_warranty_ends_on",
            "credit_note",
            "settled_at",
        ]
        read_only_fields = fields


class ReturnWriteSerializer(serializers.Serializer):
    device = serializers.CharField(
        max_length=CODE_LENGTH * 2, help_text=gettext_lazy("The faulty device's code.")
    )
    fault = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class OutcomeWriteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(value, value) for value in RETURN_OUTCOMES])
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy(
            "What was done (required for a repair); for a refund, the credit note's reason."
        ),
    )
    replacement = serializers.CharField(
        max_length=CODE_LENGTH * 2,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("For a replacement: the code of a ready device of the same offer."),
    )


class ReturnPagination(KeysetCursorPagination):
    """The latest reported first."""

    page_size = settings.BOUCLE_DEVICE_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-reported_at",)


def _pk(value: str) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError) as error:
        raise NotFound(_("No such return."), code="return_not_found") from error
    if not 0 < pk < 2**31:
        raise NotFound(_("No such return."), code="return_not_found")
    return pk


@extend_schema(tags=["returns"])
@extend_schema_view(
    list=extend_schema(
        summary="List the warranty returns",
        description=(
            "The returns your organisations reported as buyers or received as partners; all "
            "for the territory. The latest reported first."
        ),
        responses={200: ReturnSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="Read a warranty return",
        responses={200: ReturnSerializer, **error_responses(404)},
    ),
)
class ReturnViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Warranty returns of delivered devices and their outcomes."""

    serializer_class = ReturnSerializer
    pagination_class = ReturnPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.returns_visible_to(organisations_of(self.request.user))

    def get_serializer_class(self):
        return {"create": ReturnWriteSerializer, "outcome": OutcomeWriteSerializer}.get(
            self.action, ReturnSerializer
        )

    def get_object(self) -> WarrantyReturn:
        return selectors.return_get_visible(
            pk=_pk(self.kwargs["pk"]), organisations=organisations_of(self.request.user)
        )

    def _answer(self, request: Request, pk: int, code=status.HTTP_200_OK) -> Response:
        warranty_return = self.get_queryset().get(pk=pk)
        return Response(ReturnSerializer(warranty_return).data, status=code)

    @extend_schema(
        summary="Report a delivered device faulty (its buyer)",
        description=(
            "During its warranty (up to the end recorded at the admission, its last day "
            "included), with the fault described. Refused (409) after the warranty or while a "
            "return of the device is open; 404 for a device not delivered to your "
            "organisations."
        ),
        request=ReturnWriteSerializer,
        responses={
            201: ReturnSerializer,
            **error_responses(400),
            404: OpenApiResponse(ErrorSerializer, description="Not one of your devices."),
            409: OpenApiResponse(ErrorSerializer, description="Out of warranty, or open."),
        },
    )
    def create(self, request: Request) -> Response:
        data = validated(ReturnWriteSerializer(data=request.data))
        organisations = {
            organisation.pk: organisation for organisation in organisations_of(request.user)
        }
        device = Device.objects.filter(code=data["device"].strip().upper()).first()
        coverage = None if device is None else selectors.warranty_coverage(device)
        if coverage is None or coverage.buyer_id not in organisations:
            raise NotFound(
                _("No such device among the devices delivered to your organisation."),
                code="device_not_found",
            )
        warranty_return = services.return_report(
            device=device,
            buyer=organisations[coverage.buyer_id],
            user=request.user,
            fault=data["fault"],
        )
        return self._answer(request, warranty_return.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the outcome of a return (its partner)",
        description=(
            "Once: `repaired` with a `note` saying what was done (the device stays the "
            "buyer's); `replaced` by the code of a ready device of the same offer (delivered "
            "to the buyer with a fresh warranty, the faulty one taken back); `refunded` by a "
            "partial credit note of the device's invoice (the device taken back)."
        ),
        request=OutcomeWriteSerializer,
        responses={
            200: ReturnSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not the return's partner."),
            404: OpenApiResponse(ErrorSerializer, description="No such return."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="Settled already, a replacement not ready or of another offer, "
                "or a device not invoiced.",
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="outcome", url_name="outcome")
    def outcome(self, request: Request, pk: str) -> Response:
        warranty_return = self.get_object()
        data = validated(OutcomeWriteSerializer(data=request.data))
        replacement = None
        code = data["replacement"].strip().upper()
        if code:
            replacement = Device.objects.filter(code=code).first()
            if replacement is None:
                message = _("No such device to replace it.")
                raise ValidationFailed(message, code="invalid", fields={"replacement": [message]})
        services.return_settle(
            warranty_return=warranty_return,
            user=request.user,
            outcome=data["outcome"],
            note=data["note"],
            replacement=replacement,
        )
        return self._answer(request, warranty_return.pk)
