"""The claims API (list the current claims; claim a selection of devices, a whole
declaration or a pickup site) and the collections API (record one, list, read)."""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import FilterBackend, KeysetCursorPagination, error_responses
from common.errors import ErrorSerializer, NotFound, TransitionNotAllowed
from inventory.api.lookups import device_response, visible_device
from inventory.api.serializers import DeviceSerializer
from inventory.lifecycle import transition_refusal
from inventory.models import Device
from organisations.models import Organisation
from organisations.permissions import organisations_of
from reuse import selectors, services
from reuse.api.common import devices_for_codes, validated
from reuse.api.serializers import (
    ClaimRequestSerializer,
    ClaimResultSerializer,
    ClaimSerializer,
    CollectionRequestSerializer,
    CollectionSerializer,
    CollectionSummarySerializer,
    DeviceClaimSerializer,
    DeviceReleaseSerializer,
)
from reuse.models import Collection
from reuse.permissions import claiming_partner, releasing_partner


class ClaimFilter(django_filters.FilterSet):
    """The one filter set of the claims list."""

    partner = django_filters.ModelChoiceFilter(
        field_name="claimed_by",
        queryset=Organisation.objects.partners(),
        to_field_name="slug",
        label=gettext_lazy("Partner"),
        help_text=gettext_lazy("The short name of the claiming partner."),
    )
    commune = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.communes(),
        to_field_name="slug",
        label=gettext_lazy("Commune"),
        help_text=gettext_lazy("The short name of the commune that declared the devices."),
    )

    class Meta:
        model = Device
        fields = ["partner", "commune"]


class ClaimCursorPagination(KeysetCursorPagination):
    """Oldest claim first: the next to lapse leads."""

    ordering = "claimed_at"
    page_size = settings.BOUCLE_DEVICE_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema(tags=["claims"])
class ClaimViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Partners claim declared devices: each device goes to exactly one partner."""

    serializer_class = ClaimRequestSerializer
    pagination_class = ClaimCursorPagination
    filter_backends = [FilterBackend]
    filterset_class = ClaimFilter

    def get_queryset(self) -> QuerySet[Device]:
        return selectors.claims_visible_to(organisations_of(self.request.user))

    def get_serializer_class(self):
        if self.action == "list":
            return ClaimSerializer
        return ClaimRequestSerializer

    @extend_schema(
        summary="List the current claims your organisations may see",
        description=(
            "A partner reads its own claims, a commune the claims on the devices it declared, "
            "the territory every claim; oldest claim first, with when each lapses unless the "
            "device is collected. Filter by `partner` or `commune` (short names); page with "
            "the `next` and `previous` links."
        ),
        responses={200: ClaimSerializer(many=True), **error_responses(400)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Claim devices: a selection, a whole declaration or a pickup site",
        description=(
            "Send exactly one of `codes`, `declaration` (its id) or `site` (its id). Every "
            "device of it still declared is claimed for your partner organisation, at once; "
            "`unavailable` lists the codes that were not (claimed by another partner "
            "meanwhile, withdrawn, or unknown). When none is available, the answer is 409. "
            "A claim expires after the configured delay unless the device is collected."
        ),
        request=ClaimRequestSerializer,
        responses={
            200: ClaimResultSerializer,
            **error_responses(400, 403),
            404: OpenApiResponse(ErrorSerializer, description="No such declaration or site."),
            409: OpenApiResponse(
                ErrorSerializer, description="None of the devices is still declared."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = validated(self.get_serializer(data=request.data))
        partner = claiming_partner(request.user, data.get("partner"))
        if "codes" in data:
            requested = list(dict.fromkeys(code.strip().upper() for code in data["codes"]))
            claimed = services.devices_claim(codes=requested, partner=partner, user=request.user)
        elif "declaration" in data:
            declaration = selectors.declaration_by_id(data["declaration"])
            if declaration is None:
                raise NotFound(_("No such declaration."), code="declaration_not_found")
            requested = list(declaration.devices.order_by("code").values_list("code", flat=True))
            claimed = services.declaration_claim(
                declaration=declaration, partner=partner, user=request.user
            )
        else:
            site = selectors.site_by_id(data["site"])
            if site is None:
                raise NotFound(_("No such pickup site."), code="site_not_found")
            requested = []
            claimed = services.site_claim(site=site, partner=partner, user=request.user)
        claimed_codes = sorted(device.code for device in claimed)
        result = {
            "claimed": claimed_codes,
            "unavailable": sorted(set(requested) - set(claimed_codes)),
            "partner": partner.slug,
        }
        return Response(ClaimResultSerializer(result).data, status=status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(
        summary="List the collections your organisations took part in (all for the territory)",
        responses={200: CollectionSummarySerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="Read a collection with its devices and its note",
        responses={200: CollectionSerializer, **error_responses(404)},
    ),
)
@extend_schema(tags=["collections"])
class CollectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A partner records the collection of devices it claimed: the free cession's record."""

    serializer_class = CollectionSerializer
    ordering = ["-collected_on", "-pk"]

    def get_queryset(self):
        return selectors.collections_visible_to(organisations_of(self.request.user))

    def get_serializer_class(self):
        if self.action == "list":
            return CollectionSummarySerializer
        if self.action == "create":
            return CollectionRequestSerializer
        return CollectionSerializer

    def get_object(self) -> Collection:
        try:
            pk = int(self.kwargs["pk"])
        except ValueError as error:
            raise NotFound(_("No such collection."), code="collection_not_found") from error
        return selectors.collection_get_visible(
            pk=pk, organisations=organisations_of(self.request.user)
        )

    @extend_schema(
        summary="Record a collection of claimed devices, and request its collection note",
        description=(
            "Every device must be claimed by your partner organisation and declared by one "
            "commune. Only a partner holding a current ESUS approval may receive the free "
            "cession (CG3P art. L3212-2 3°): others are refused with 409 "
            "`partner_not_esus`. The devices become `collected`, held by the partner; the "
            "collection note is numbered now and produced shortly after (see `document_url`)."
        ),
        request=CollectionRequestSerializer,
        responses={
            201: CollectionSerializer,
            **error_responses(400, 403),
            404: OpenApiResponse(ErrorSerializer, description="No such device or site."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="The partner is not ESUS-approved, or a device is not claimed.",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = validated(CollectionRequestSerializer(data=request.data))
        partner = claiming_partner(request.user, data.get("partner"))
        devices = devices_for_codes(data["codes"])
        site = None
        if data.get("site") is not None:
            site = selectors.site_by_id(data["site"])
            if site is None:
                raise NotFound(_("No such pickup site."), code="site_not_found")
        collection = services.collection_record(
            partner=partner,
            user=request.user,
            devices=devices,
            collected_on=data["collected_on"],
            site=site,
            commune_signatory=data["commune_signatory"],
            commune_signatory_title=data["commune_signatory_title"],
            partner_signatory=data["partner_signatory"],
            partner_signatory_title=data["partner_signatory_title"],
        )
        collection = selectors.collection_get_visible(pk=collection.pk, organisations=[partner])
        return Response(
            CollectionSerializer(collection, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class DeviceClaimView(APIView):
    """POST claims one declared device for your partner organisation."""

    @extend_schema(
        tags=["devices"],
        operation_id="devices_claim_create",
        summary="Claim a declared device for your partner organisation",
        description=(
            "Reserve the device: no other partner may claim it, and the commune sees who "
            "claimed it. The claim expires unless the device is collected in time. Send "
            "`partner` only if you belong to several partners."
        ),
        request=DeviceClaimSerializer,
        responses={200: DeviceSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, code: str) -> Response:
        """Claim a declared device; 409 when it is not declared any more."""
        # Who claims comes first: a member of no partner is refused whatever the device (a
        # buyer does not see the shared inventory, and would otherwise be told it is taken).
        data = validated(DeviceClaimSerializer(data=request.data))
        partner = claiming_partner(request.user, data.get("partner"))
        try:
            device = visible_device(request, code)
        except NotFound:
            # Claimed by another partner meanwhile: no longer shared, but its code is public.
            if selectors.device_exists(code):
                raise TransitionNotAllowed(
                    _(
                        "This device is no longer available: another partner claimed it, "
                        "or it left the inventory."
                    ),
                    code="not_available",
                ) from None
            raise
        [device] = services.devices_claim(devices=[device], partner=partner, user=request.user)
        return device_response(request, device)


class DeviceReleaseView(APIView):
    """POST gives back a device your partner organisation claimed."""

    @extend_schema(
        tags=["devices"],
        operation_id="devices_release_create",
        summary="Release your claim: the device returns to the shared inventory",
        request=DeviceReleaseSerializer,
        responses={200: DeviceSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, code: str) -> Response:
        """Give back a device your partner organisation claimed."""
        device = visible_device(request, code)
        data = validated(DeviceReleaseSerializer(data=request.data))
        refusal = transition_refusal(device, "release")
        if refusal is not None:
            raise TransitionNotAllowed(refusal)
        device = services.device_release(
            device=device,
            partner=releasing_partner(request.user, device),
            user=request.user,
            note=data.get("note", ""),
        )
        return device_response(request, device)
