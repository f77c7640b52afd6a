"""The device passport (``/d/<code>/``) and the printing of label sheets.

The passport is public: the QR code of a label opens it on any phone. Label sheets are
documents of the documents module, requested here from the inventory list's selection
and through the API (``POST /api/v1/labels/``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import (
    ErrorSerializer,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    flatten_errors,
)
from inventory import labels, passport
from organisations.active import active_organisation
from organisations.models import Organisation
from organisations.permissions import organisations_of


def _passport_url(request: HttpRequest):
    def url(code: str) -> str:
        return request.build_absolute_uri(reverse("device-passport", args=[code]))

    return url


@require_GET
def device_passport(request: HttpRequest, code: str) -> HttpResponse:
    """What a label's QR code opens: the actions to take, or the public passport."""
    device = passport.passport_device(code)
    if device is None:
        raise Http404(_("No device has this code."))
    organisation = active_organisation(request) if request.user.is_authenticated else None
    actions = passport.passport_actions(organisation, device)
    context = {
        "device": device,
        "organisation": organisation,
        "actions": actions,
        "acting": bool(actions),
        "device_page": passport.may_open_device_page(organisation, device),
        "history": passport.public_history(device),
    }
    return render(request, "inventory/passport.html", context)


@login_required
@require_POST
def label_sheet_print(request: HttpRequest) -> HttpResponse:
    """Request the label sheet of the devices ticked in the inventory list, then fetch it."""
    organisation = active_organisation(request)
    if organisation is None:
        raise PageForbidden(_("You belong to no organisation."))
    try:
        document = labels.label_sheet_request(
            organisation=organisation,
            codes=request.POST.getlist("devices"),
            layout=request.POST.get("layout") or labels.DEFAULT_LAYOUT,
            user=request.user,
            passport_url=_passport_url(request),
        )
    except (ValidationFailed, NotFound) as error:
        messages.error(request, error.message)
        return redirect("inventory:device-list")
    messages.success(request, _("Label sheet %(number)s requested.") % {"number": document.number})
    return redirect("documents:document-download", number=document.number)


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
            403: OpenApiResponse(ErrorSerializer, description="Not a member of it."),
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
            passport_url=_passport_url(request),
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
