"""The claims API: claim a selection of devices, a whole declaration or a pickup site."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from config.exceptions import ErrorSerializer, NotFound, ValidationFailed
from inventory.api.views import error_responses, flatten_errors
from reuse import selectors, services
from reuse.api.serializers import ClaimRequestSerializer, ClaimResultSerializer
from reuse.permissions import claiming_partner


@extend_schema(tags=["claims"])
class ClaimViewSet(viewsets.GenericViewSet):
    """Partners claim declared devices: each device goes to exactly one partner."""

    serializer_class = ClaimRequestSerializer

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
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationFailed(
                _("The data sent is invalid."),
                code="invalid",
                fields=flatten_errors(serializer.errors),
            )
        data = serializer.validated_data
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
