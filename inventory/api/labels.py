"""The labels API: a sheet of QR code labels for devices, requested as a PDF document."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import ErrorSerializer, PermissionDenied, ValidationFailed, flatten_errors
from inventory import labels, passport
from inventory.api.serializers import LabelSheetCreateSerializer, LabelSheetSerializer
from organisations.models import Organisation
from organisations.permissions import organisations_of


def printing_organisation(user, slug: str | None) -> Organisation:
    """The organisation ``user`` prints for: the one named by ``slug``, else their only one."""
    organisations = organisations_of(user)
    if slug:
        organisations = [o for o in organisations if o.slug == slug]
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        raise PermissionDenied(_("You are not a member of this organisation."))
    raise PermissionDenied(
        _("You belong to several organisations: name the one you print for."),
        code="organisation_required",
    )


class LabelSheetAPIView(APIView):
    """Label sheets of devices, as PDF documents."""

    serializer_class = LabelSheetCreateSerializer

    @extend_schema(
        tags=["labels"],
        summary="Request a label sheet for devices",
        description=(
            "Numbers a label sheet (a document of kind `label_sheet`) for the devices `codes`, "
            "each label with the device's code, category, brand, model and a QR code opening "
            "its passport `/d/<code>/`. Every device must be visible to the organisation; "
            "otherwise nothing is issued (404). The PDF is produced in the background: "
            "download it from `download_url` once issued."
        ),
        request=LabelSheetCreateSerializer,
        responses={
            201: LabelSheetSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The data sent is invalid."),
            403: OpenApiResponse(
                ErrorSerializer,
                description="Not a member of it, or the territory (read-only: it prints no "
                "labels).",
            ),
            404: OpenApiResponse(
                ErrorSerializer, description="A device is unknown or not visible."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LabelSheetCreateSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationFailed(
                _("The data sent is invalid."),
                code="invalid",
                fields=flatten_errors(serializer.errors),
            )
        data = serializer.validated_data
        organisation = printing_organisation(request.user, data.get("organisation"))
        document = labels.label_sheet_request(
            organisation=organisation,
            codes=data["codes"],
            layout=data["layout"],
            user=request.user,
            passport_url=passport.passport_url_builder(request),
        )
        document.refresh_from_db(fields=["state"])
        per_sheet = labels.LAYOUTS[data["layout"]].per_sheet
        count = sum(len(sheet) for sheet in document.context["sheets"])
        result = {
            "number": document.number,
            "state": document.state,
            "pages": -(-count // per_sheet),
            "download_url": request.build_absolute_uri(
                reverse("api-document-download", args=[document.number])
            ),
        }
        return Response(LabelSheetSerializer(result).data, status=status.HTTP_201_CREATED)
