"""The planned pickups API: list and propose, read one, and the commands confirm,
counter-propose and cancel."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import KeysetCursorPagination, error_responses
from common.errors import ErrorSerializer, NotFound
from organisations.permissions import organisations_of
from reuse import selectors, services
from reuse.api.common import devices_for_codes, validated
from reuse.api.serializers import (
    PickupCounterProposeSerializer,
    PickupProposeSerializer,
    PickupSerializer,
    PickupSummarySerializer,
)
from reuse.models import PickupPlan
from reuse.permissions import planning_partner


class PickupCursorPagination(KeysetCursorPagination):
    """The soonest pickup first."""

    ordering = ("date", "starts_at")
    page_size = settings.BOUCLE_DEVICE_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200


_TRANSITION_ERRORS = {
    **error_responses(400),
    403: OpenApiResponse(ErrorSerializer, description="Your side may not do this."),
    404: OpenApiResponse(ErrorSerializer, description="No such planned pickup."),
    409: OpenApiResponse(ErrorSerializer, description="The pickup's state forbids it."),
}


@extend_schema_view(
    list=extend_schema(
        summary="List the planned pickups your organisations take part in (all for the territory)",
        description="Soonest first; page with the `next` and `previous` links.",
        responses={200: PickupSummarySerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="Read a planned pickup with its devices",
        responses={200: PickupSerializer, **error_responses(404)},
    ),
)
@extend_schema(tags=["pickups"])
class PickupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A partner plans the pickup of devices it claimed; the commune confirms it or proposes
    another date, which the partner confirms; either side cancels it."""

    serializer_class = PickupSerializer
    pagination_class = PickupCursorPagination

    def get_queryset(self):
        return selectors.pickups_visible_to(organisations_of(self.request.user))

    def get_serializer_class(self):
        if self.action == "list":
            return PickupSummarySerializer
        if self.action == "create":
            return PickupProposeSerializer
        if self.action == "counter_propose":
            return PickupCounterProposeSerializer
        return PickupSerializer

    def get_object(self) -> PickupPlan:
        try:
            pk = int(self.kwargs["pk"])
        except ValueError as error:
            raise NotFound(_("No such planned pickup."), code="pickup_not_found") from error
        return selectors.pickup_get_visible(
            pk=pk, organisations=organisations_of(self.request.user)
        )

    def _answer(self, request: Request, plan: PickupPlan, code=status.HTTP_200_OK) -> Response:
        plan = selectors.pickup_get_visible(
            pk=plan.pk, organisations=organisations_of(request.user)
        )
        return Response(PickupSerializer(plan, context={"request": request}).data, status=code)

    @extend_schema(
        summary="Propose a pickup of devices your partner claimed",
        description=(
            "The devices must be claimed by your partner, of one commune, and in no other "
            "open planned pickup (else 409 `already_planned`); the site is one of that "
            "commune's pickup sites; the day is today or later (Europe/Paris). The commune is "
            "told by e-mail. While the plan is open, the devices' claims do not lapse before "
            "the end of its day plus the configured margin."
        ),
        request=PickupProposeSerializer,
        responses={
            201: PickupSerializer,
            **error_responses(400, 403),
            404: OpenApiResponse(ErrorSerializer, description="No such device or site."),
            409: OpenApiResponse(
                ErrorSerializer, description="A device is already in a planned pickup."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = validated(PickupProposeSerializer(data=request.data))
        partner = planning_partner(request.user, data.get("partner"))
        devices = devices_for_codes(data["codes"])
        site = selectors.site_by_id(data["site"])
        if site is None:
            raise NotFound(_("No such pickup site."), code="site_not_found")
        plan = services.pickup_propose(
            partner=partner,
            user=request.user,
            devices=devices,
            site=site,
            date=data["date"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            note=data.get("note", ""),
        )
        return self._answer(request, plan, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm the planned pickup (the side it waits for)",
        description=(
            "The commune confirms the partner's proposal; the partner confirms the commune's "
            "other date. The other side is told by e-mail."
        ),
        request=None,
        responses={200: PickupSerializer, **_TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        plan = services.pickup_confirm(plan=self.get_object(), user=request.user)
        return self._answer(request, plan)

    @extend_schema(
        summary="Propose another day or slot (the commune)",
        description="The partner is told by e-mail and confirms it, or cancels.",
        request=PickupCounterProposeSerializer,
        responses={200: PickupSerializer, **_TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="counter-propose")
    def counter_propose(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        data = validated(PickupCounterProposeSerializer(data=request.data))
        plan = services.pickup_counter_propose(
            plan=plan,
            user=request.user,
            date=data["date"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            note=data.get("note", ""),
        )
        return self._answer(request, plan)

    @extend_schema(
        summary="Cancel the planned pickup (the partner or the commune)",
        description="The devices stay claimed; the other side is told by e-mail.",
        request=None,
        responses={200: PickupSerializer, **_TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        plan = services.pickup_cancel(plan=self.get_object(), user=request.user)
        return self._answer(request, plan)
