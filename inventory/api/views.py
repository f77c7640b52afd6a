"""The inventory API: devices (list, detail, declare, edit, withdraw, history) and declarations.

The API acts for every organisation the user belongs to: a list shows what any of them may
see, and a change acts for the user's membership in the device's commune. The services
decide every rule; the views only pick the acting organisation and translate the data.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import (
    FilterBackend,
    KeysetCursorPagination,
    StableOrderingFilter,
    error_responses,
)
from common.errors import (
    PermissionDenied,
    ValidationFailed,
    flatten_errors,
)
from inventory.api.lookups import device_response, visible_device
from inventory.api.serializers import (
    DeclarationCreateSerializer,
    DeclarationSerializer,
    DeviceCreateSerializer,
    DeviceEventSerializer,
    DeviceSerializer,
    DeviceUpdateSerializer,
    WithdrawSerializer,
)
from inventory.choices import DeclarationSource
from inventory.filters import DeviceFilter
from inventory.models import Device
from inventory.selectors import device_history, devices_listed_for, devices_with_relations
from inventory.services import declaration_create, device_declare, device_update, device_withdraw
from organisations.models import Membership
from organisations.permissions import membership_in, organisations_of


class DeviceCursorPagination(KeysetCursorPagination):
    ordering = "-created_at"
    page_size = settings.BOUCLE_DEVICE_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema(tags=["devices"])
@extend_schema_view(
    list=extend_schema(
        summary="List the devices your organisations may see",
        description=(
            "The shared inventory (every declared device) and every device your "
            "organisations declared or hold, newest first. Filter by commune, category, state "
            "or text; page with the `next` and `previous` links."
        ),
    ),
    retrieve=extend_schema(
        summary="Read one device by its code",
        description="A device you may see, with the actions you may run on it now.",
        responses={200: DeviceSerializer, **error_responses(404)},
    ),
)
class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The shared inventory: every declared device, and every device your organisations own."""

    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]+"
    pagination_class = DeviceCursorPagination
    filter_backends = [FilterBackend, SearchFilter, StableOrderingFilter]
    filterset_class = DeviceFilter
    search_fields = ["brand", "model", "serial_number", "code"]
    ordering_fields = ["created_at", "code", "brand", "category", "state"]
    ordering = ["-created_at"]
    serializer_classes = {
        "create": DeviceCreateSerializer,
        "partial_update": DeviceUpdateSerializer,
        "withdraw": WithdrawSerializer,
        "events": DeviceEventSerializer,
    }

    def get_serializer_class(self):
        return self.serializer_classes.get(self.action, DeviceSerializer)

    def get_queryset(self) -> QuerySet[Device]:
        return devices_listed_for(organisations_of(self.request.user))

    def paginate_queryset(self, queryset: QuerySet[Device]) -> list[Device] | None:
        """The page's devices, then their organisations and sites for them all."""
        page = super().paginate_queryset(queryset)
        return page if page is None else devices_with_relations(page)

    def get_object(self) -> Device:
        device = visible_device(self.request, self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, device)
        return device

    def _commune_membership(self, device: Device, refusal: PermissionDenied) -> Membership:
        """The user acts for the device's commune, and only as one of its members."""
        membership = membership_in(self.request.user, device.commune)
        if membership is None:
            raise refusal
        return membership

    @extend_schema(
        summary="Declare one device",
        request=DeviceCreateSerializer,
        responses={201: DeviceSerializer, **error_responses(400, 403)},
    )
    def create(self, request: Request) -> Response:
        """Declare a device of a commune you belong to; it enters the shared inventory."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        description = dict(serializer.validated_data)
        device = device_declare(
            user=request.user,
            commune=description.pop("commune"),
            pickup_site=description.pop("pickup_site", None),
            source=DeclarationSource.API,
            **description,
        )
        location = request.build_absolute_uri(
            reverse("api-device-detail", kwargs={"code": device.code})
        )
        return device_response(
            request, device, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(
        summary="Correct a declared device's description",
        request=DeviceUpdateSerializer,
        responses={200: DeviceSerializer, **error_responses(400, 403, 404)},
    )
    def partial_update(self, request: Request, code: str) -> Response:
        """Correct the description of a device your commune declared, while it is declared.

        The device's history records what changed.
        """
        device = self.get_object()
        membership = self._commune_membership(
            device,
            PermissionDenied(
                _("Only the declaring commune edits a device, while it is declared."),
                code="not_editable",
            ),
        )
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        description = dict(serializer.validated_data)
        note = description.pop("note", "")
        device = device_update(
            device=device,
            user=request.user,
            organisation=membership.organisation,
            note=note,
            **description,
        )
        return device_response(request, device)

    @extend_schema(
        summary="Withdraw a device: the commune takes it back before any claim",
        request=WithdrawSerializer,
        responses={200: DeviceSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, code: str) -> Response:
        """Take back a device your commune declared, as long as no partner claimed it."""
        device = self.get_object()
        membership = self._commune_membership(
            device,
            PermissionDenied(
                _("Your organisation may not do this with this device."),
                code="transition_forbidden",
            ),
        )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device = device_withdraw(
            device=device,
            user=request.user,
            organisation=membership.organisation,
            note=serializer.validated_data.get("note", ""),
        )
        return device_response(request, device)

    @extend_schema(
        summary="A device's history, oldest first",
        responses={200: DeviceEventSerializer(many=True), **error_responses(404)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request: Request, code: str) -> Response:
        """Every transition and edit of the device, with who acted and when."""
        device = self.get_object()
        context = {**self.get_serializer_context(), "device": device}
        serializer = DeviceEventSerializer(device_history(device), many=True, context=context)
        return Response(serializer.data)


@extend_schema(tags=["declarations"])
class DeclarationViewSet(viewsets.GenericViewSet):
    """Declaring several devices of a commune at once: all of them are saved, or none."""

    serializer_class = DeclarationCreateSerializer

    @extend_schema(
        summary="Declare several devices at once",
        description=(
            "Declare devices of a commune you belong to. Every device is checked before "
            "anything is saved: all are declared, or none. A refusal lists the errors by row "
            "and field, e.g. `devices[3].ram_gb`, rows counted from 0."
        ),
        request=DeclarationCreateSerializer,
        responses={201: DeclarationSerializer, **error_responses(400, 403)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationFailed(
                _("The data sent is invalid."),
                code="invalid",
                fields=flatten_errors(serializer.errors),
            )
        data = serializer.validated_data
        declaration = declaration_create(
            user=request.user,
            commune=data["commune"],
            pickup_site=data.get("pickup_site"),
            descriptions=[dict(description) for description in data["devices"]],
            source=DeclarationSource.API,
            reference=data.get("reference", ""),
        )
        return Response(
            DeclarationSerializer(declaration, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
