"""The indicators API: ``/api/v1/indicators/?scope=…&from=…&to=…``, as JSON or CSV.

The scope is an organisation's short name (the territory's for the whole territory); the
user reads it when one of their organisations is that one or the territory. Any other scope,
and one that does not exist, answers the same 404.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import error_responses
from common.errors import NotFound, ValidationFailed, flatten_errors
from impact import permissions, selectors
from impact.exports import indicators_csv
from organisations.models import Organisation
from organisations.permissions import organisations_of

# The longest period one request covers.
MAX_PERIOD_DAYS = 366 * 5


class IndicatorsQuerySerializer(serializers.Serializer):
    scope = serializers.SlugField(max_length=80)
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, data: dict) -> dict:
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"to": [_("The end comes after the start.")]})
        if (data["end"] - data["start"]).days > MAX_PERIOD_DAYS:
            raise serializers.ValidationError({"to": [_("At most five years at once.")]})
        return data


class CSVRenderer(renderers.BaseRenderer):
    """The indicators as CSV (the view writes them); a refusal as its message."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, dict):
            return str(data.get("error", {}).get("message", "")).encode(self.charset)
        return str(data or "").encode(self.charset)


class IndicatorsView(APIView):
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    @extend_schema(
        tags=["impact"],
        summary="The impact indicators of a scope and a period",
        description=(
            "The devices at each step of the loop by category and by month, the median days "
            "from declaration to reuse, the e-waste and CO2e avoided (a range, with its "
            "sensitivity to the displacement rate), the devices in each state now, and for the "
            "territory the reuse by commune; the version of the factors used. `scope` is an "
            "organisation's short name: your own, or any for the territory. `format=csv` (or "
            "`Accept: text/csv`) answers long rows (indicator, category, month, value). "
            "A device given by a donation is `donated`, one sold through a group order "
            "`delivered`: both are reused."
        ),
        parameters=[
            OpenApiParameter("scope", OpenApiTypes.STR, required=True),
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The indicators."
            ),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The indicators."),
            **error_responses(
                400, 404, s404="No such organisation, or not one your organisations may read."
            ),
        },
    )
    def get(self, request: Request) -> Response | HttpResponse:
        query = IndicatorsQuerySerializer(
            data={
                "scope": request.query_params.get("scope", ""),
                "start": request.query_params.get("from", ""),
                "end": request.query_params.get("to", ""),
            }
        )
        if not query.is_valid():
            fields = flatten_errors(query.errors)
            renamed = {
                {"start": "from", "end": "to"}.get(name, name): texts
                for name, texts in fields.items()
            }
            raise ValidationFailed(_("The data sent is invalid."), code="invalid", fields=renamed)
        data = query.validated_data
        organisation = Organisation.objects.filter(slug=data["scope"], is_active=True).first()
        if organisation is None or not any(
            permissions.may_view_indicators(viewer, scope_organisation=organisation)
            for viewer in organisations_of(request.user)
        ):
            raise NotFound(_("No such organisation."), code="not_found")
        figures = selectors.indicators(
            organisation=organisation,
            period=selectors.Period(data["start"], data["end"]),
            version=selectors.factor_version_current(),
        )
        if request.accepted_renderer.format == "csv":
            return HttpResponse(indicators_csv(figures), content_type="text/csv; charset=utf-8")
        return Response(figures)
